import HaloNet
import HaloSystem

/// Links and addresses, each its own reading.
struct NetworkReading: Sendable, Hashable {
    var links: Reading<[LinkFacts]>
    var addresses: Reading<[AddressFacts]>
}

/// The network's part of the facts, from rtnetlink dumps in the caller's network namespace (no
/// `ip` command).
enum NetworkReader {
    static func read(deadline: Deadline) -> NetworkReading {
        var socket: NetlinkSocket
        do {
            socket = try NetlinkSocket()
        } catch {
            return NetworkReading(links: .failed("\(error)"), addresses: .failed("\(error)"))
        }
        let links: [Link]?
        let linkReading: Reading<[LinkFacts]>
        do {
            let found = try socket.links(deadline: deadline)
            links = found
            linkReading = .read(found.map { LinkFacts($0, among: found) })
        } catch {
            links = nil
            linkReading = .failed("\(error)")
        }
        let addressReading: Reading<[AddressFacts]>
        do {
            addressReading = .read(try socket.addresses(deadline: deadline).map { AddressFacts($0, links: links ?? []) })
        } catch {
            addressReading = .failed("\(error)")
        }
        return NetworkReading(links: linkReading, addresses: addressReading)
    }
}
