/// The halo release every executable reports (agents' meta-data and `--version`, halod's
/// `--version` and `halo_build_info`).
///
/// It is CHANGELOG.md's newest version and Packaging/debian/changelog's; a test keeps the three
/// equal (`HaloSystemTests.ReleaseVersionTests`), and the package build checks the binaries.
public enum HaloRelease {
    /// The release, e.g. `0.1.0`.
    public static let version = "0.1.0"
}
