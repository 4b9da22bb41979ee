import FileAccess
import HummingbirdTLS
import NIOSSL
import RuntimeSupport

// The pages over TLS (`web --tls-cert --tls-key`), with HummingbirdTLS (swift-nio-ssl).
extension WebGateway {
    /// The TLS configuration of `files` (PEM): the certificate chain and its private key, read
    /// and checked at start, so that a wrong file is an error naming it, not a failed handshake.
    static func tlsConfiguration(_ files: (certificate: String, key: String)) throws(StreamingError) -> TLSConfiguration {
        func read(_ path: String, _ option: String) throws(StreamingError) -> [UInt8] {
            do {
                return try FileBytes.read(path)
            } catch {
                throw StreamingError(.configuration, "\(option) \(path): \(error.reason)")
            }
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(try read(files.certificate, "--tls-cert"))
        } catch let error as StreamingError {
            throw error
        } catch {
            throw StreamingError(.configuration, "--tls-cert \(files.certificate): not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else {
            throw StreamingError(.configuration, "--tls-cert \(files.certificate): no certificate in it; expected a PEM certificate chain")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: try read(files.key, "--tls-key"), format: .pem)
        } catch let error as StreamingError {
            throw error
        } catch {
            throw StreamingError(.configuration, "--tls-key \(files.key): not a PEM private key (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw StreamingError(.configuration, "--tls-key \(files.key): does not go with the certificate in \(files.certificate) (\(error))")
        }
        return configuration
    }
}
