import HaloSystem

extension Secret {
    /// Whether two secrets hold the same bytes, compared in time that does not depend on where
    /// they differ.
    public borrowing func hasSameBytes(as other: borrowing Secret) -> Bool {
        other.withUnsafeBytes { theirs in hasSameBytes(as: theirs) }
    }

    /// Whether `bytes` (a secret as the kernel shows it, read into another `Secret`) are this
    /// secret's bytes, compared in time that does not depend on where they differ.
    public borrowing func hasSameBytes(as bytes: UnsafeRawBufferPointer) -> Bool {
        withUnsafeBytes { mine in
            guard mine.count == bytes.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<mine.count { difference |= mine[index] ^ bytes[index] }
            return difference == 0
        }
    }
}
