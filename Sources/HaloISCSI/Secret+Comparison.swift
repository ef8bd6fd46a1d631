import HaloSystem

extension Secret {
    /// Whether two secrets hold the same bytes, compared in time that does not depend on where
    /// they differ.
    public borrowing func hasSameBytes(as other: borrowing Secret) -> Bool {
        withUnsafeBytes { mine in
            other.withUnsafeBytes { theirs in
                guard mine.count == theirs.count else { return false }
                var difference: UInt8 = 0
                for index in 0..<mine.count { difference |= mine[index] ^ theirs[index] }
                return difference == 0
            }
        }
    }
}
