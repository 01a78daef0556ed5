namespace Ligbox.Testing.Imapsync;

/// <summary>
/// The real imapsync 2.229 script, run in place (never copied into the repository): from
/// <c>LIGBOX_IMAPSYNC</c>, else <c>shared/tools/imapsync/imapsync</c> in a directory above the test binaries
/// (the repository's <c>../shared</c>, also from a git worktree one level deeper).
/// </summary>
public static class RealImapsync
{
    /// <summary>The imapsync executable; fails loudly, saying how to get it, when it is missing.</summary>
    public static string Path
    {
        get
        {
            var candidates = new List<string>();
            if (Environment.GetEnvironmentVariable("LIGBOX_IMAPSYNC") is { Length: > 0 } configured)
            {
                candidates.Add(configured);
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                candidates.Add(System.IO.Path.Combine(dir.FullName, "shared", "tools", "imapsync", "imapsync"));
            }

            return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
                "The real imapsync 2.229 is missing. The tests run it in place from ../shared/tools/imapsync/imapsync next to the repository "
                + "(see its SOURCES.md), or from the path in the LIGBOX_IMAPSYNC environment variable. Get it from "
                + "https://github.com/imapsync/imapsync (commit 023535075cbfb4b364fee419330a1910cd57ec95) and install its Perl modules with "
                + "'sudo scripts/install-test-deps.sh'. Looked in: " + string.Join(", ", candidates.Take(4)) + " …");
        }
    }
}
