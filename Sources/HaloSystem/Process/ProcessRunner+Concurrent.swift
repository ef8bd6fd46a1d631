extension ProcessRunner {
    /// Runs `commands` side by side (see `runTogether`), each to completion or until
    /// `deadline`: the wall time is the slowest command's, not the sum.
    ///
    /// - Returns: one result per command, in order: the `ProcessResult`, or the `SpawnError`
    ///   when that command could not be started (the others still run).
    public func runAll(_ commands: [Command], deadline: Deadline) -> [Result<ProcessResult, SpawnError>] {
        runTogether(commands, deadline: deadline) {}.1
    }
}
