namespace Ligbox.Tools.Tests.Support;

/// <summary>Finds test inputs: resources copied to the output, and shared test data read in place.</summary>
internal static class TestPaths
{
    public static string Resource(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Resources", .. parts]);

    public static string ImapsyncLog(string name) => Resource("imapsync", name);

    /// <summary>The repository root: the nearest directory up from the test binaries holding Ligbox.slnx.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"Ligbox.slnx not found above {AppContext.BaseDirectory}; tests must run from inside the repository.");
        }
    }

    /// <summary>
    /// A file or directory in ../shared/testdata next to the repository (never copied into it);
    /// fails with the missing path named.
    /// </summary>
    public static string SharedTestData(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([RepoRoot, "..", "shared", "testdata", .. parts]));
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"Shared test data is missing: '{path}'. It is expected at ../shared/testdata relative to the repository root ({RepoRoot}).", path);
        }

        return path;
    }
}

/// <summary>A temp directory deleted when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("ligbox-tools-tests-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
