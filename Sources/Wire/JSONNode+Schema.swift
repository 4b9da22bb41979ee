/// Typed access to parsed JSON that turns every mismatch into a ``WireError/Code/schemaViolation``
/// naming the field path and the byte offset of the offending value.
extension JSONNode {
    package func schemaError(_ path: String, _ message: String) -> WireError {
        WireError(.schemaViolation, field: path, offset: offset, message)
    }

    // Paths are autoclosures: they are built only when an error is thrown, so a valid body
    // costs no string building at all.

    /// The members of an object whose keys are exactly `keys` (any order), by key.
    package func object(_ path: @autoclosure () -> String, keys: [String]) throws(WireError) -> JSONFields {
        guard case .object(let members) = value else {
            throw schemaError(path(), "expected an object, found \(typeName)")
        }
        for member in members where !keys.contains(member.key) {
            throw member.node.schemaError("\(path()).\(member.key)", "unexpected field; expected only \(keys.joined(separator: ", "))")
        }
        // The parser refuses duplicate keys, so every member is a distinct expected key.
        for key in keys where !members.contains(where: { $0.key == key }) {
            throw schemaError("\(path()).\(key)", "required field is missing")
        }
        return JSONFields(members: members)
    }

    /// The members of an object holding every key of `required`; other keys are let be (a
    /// published data set's objects carry fields no reader needs, and gain some over time).
    package func fields(_ path: @autoclosure () -> String, required: [String]) throws(WireError) -> JSONFields {
        guard case .object(let members) = value else {
            throw schemaError(path(), "expected an object, found \(typeName)")
        }
        for key in required where !members.contains(where: { $0.key == key }) {
            throw schemaError("\(path()).\(key)", "required field is missing")
        }
        return JSONFields(members: members)
    }

    /// The members of an object holding every key of `required`, and of `optional` only those
    /// present; any other key is refused.
    package func object(_ path: @autoclosure () -> String, required: [String], optional: [String]) throws(WireError) -> JSONFields {
        guard case .object(let members) = value else {
            throw schemaError(path(), "expected an object, found \(typeName)")
        }
        for member in members where !required.contains(member.key) && !optional.contains(member.key) {
            throw member.node.schemaError("\(path()).\(member.key)", "unexpected field; expected \((required + optional).joined(separator: ", "))")
        }
        for key in required where !members.contains(where: { $0.key == key }) {
            throw schemaError("\(path()).\(key)", "required field is missing")
        }
        return JSONFields(members: members)
    }

    package func array(_ path: @autoclosure () -> String, maxCount: Int) throws(WireError) -> [JSONNode] {
        guard case .array(let elements) = value else {
            throw schemaError(path(), "expected an array, found \(typeName)")
        }
        guard elements.count <= maxCount else {
            throw schemaError(path(), "array of \(elements.count) elements; at most \(maxCount) allowed")
        }
        return elements
    }

    package func string(_ path: @autoclosure () -> String, maxBytes: Int = 255) throws(WireError) -> String {
        guard case .string(let text) = value else {
            throw schemaError(path(), "expected a string, found \(typeName)")
        }
        guard text.utf8.count <= maxBytes else {
            throw schemaError(path(), "string of \(text.utf8.count) bytes; at most \(maxBytes) allowed")
        }
        return text
    }

    package func bool(_ path: @autoclosure () -> String) throws(WireError) -> Bool {
        guard case .bool(let flag) = value else {
            throw schemaError(path(), "expected a boolean, found \(typeName)")
        }
        return flag
    }

    package func integer(_ path: @autoclosure () -> String, in range: ClosedRange<Int64>) throws(WireError) -> Int64 {
        guard case .integer(let number) = value else {
            throw schemaError(path(), "expected an integer, found \(typeName)")
        }
        guard range.contains(number) else {
            throw WireError(
                .outOfRange, field: path(), offset: offset,
                "\(number) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}

/// The members of a JSON object after ``JSONNode/object(_:keys:)`` checked that every
/// expected key is present.
package struct JSONFields {
    /// The object's members, as parsed (a handful: a linear search beats building a dictionary).
    package let members: [JSONNode.Member]

    /// The member named `key`; a `null` node if absent (which the check rules out).
    package subscript(key: String) -> JSONNode {
        members.first { $0.key == key }?.node ?? JSONNode(.null)
    }

    /// The member named `key`, if present.
    package func optional(_ key: String) -> JSONNode? {
        members.first { $0.key == key }?.node
    }
}
