/// A JSON value with the byte offset where it starts, as parsed from a datagram.
///
/// Objects keep their members in document order (the original's field order is part of the
/// canonical encoding). Nodes built in code have offset 0.
public struct JSONNode: Sendable, Hashable {
    /// A JSON value.
    public enum Value: Sendable, Hashable {  // not indirect: arrays already box the recursion, so scalars cost no allocation
        /// `null`.
        case null
        /// `true` or `false`.
        case bool(Bool)
        /// A number written without fraction or exponent that fits in 64 bits.
        case integer(Int64)
        /// Any other number.
        case double(Double)
        /// A string, its escapes decoded.
        case string(String)
        /// An array, in order.
        case array([JSONNode])
        /// An object's members, in the order written (a key twice is refused when parsed).
        case object([Member])
    }

    /// One member of an object.
    public struct Member: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The value.
        public var node: JSONNode

        /// Creates a member.
        public init(_ key: String, _ node: JSONNode) {
            self.key = key
            self.node = node
        }
    }

    /// The value.
    public var value: Value
    /// The offset of the value's first byte in the parsed input.
    public var offset: Int

    /// Creates a node.
    public init(_ value: Value, offset: Int = 0) {
        self.value = value
        self.offset = offset
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONNode: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral
{
    /// A string node from a literal.
    public init(stringLiteral value: String) { self.init(.string(value)) }
    /// An integer node from a literal.
    public init(integerLiteral value: Int64) { self.init(.integer(value)) }
    /// A boolean node from a literal.
    public init(booleanLiteral value: Bool) { self.init(.bool(value)) }
    /// An array node from a literal.
    public init(arrayLiteral elements: JSONNode...) { self.init(.array(elements)) }
}

extension JSONNode {
    /// An integer node.
    public static func int<I: BinaryInteger>(_ value: I) -> JSONNode { JSONNode(.integer(Int64(value))) }
    /// A string node.
    public static func string(_ value: String) -> JSONNode { JSONNode(.string(value)) }
    /// An array node.
    public static func array(_ values: [JSONNode]) -> JSONNode { JSONNode(.array(values)) }
    /// An object node with members in the given order.
    public static func object(_ members: [(String, JSONNode)]) -> JSONNode {
        JSONNode(.object(members.map { Member($0.0, $0.1) }))
    }
}
