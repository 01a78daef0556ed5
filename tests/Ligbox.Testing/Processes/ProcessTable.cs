namespace Ligbox.Testing.Processes;

/// <summary>The machine's processes as <c>/proc</c> shows them.</summary>
public static class ProcessTable
{
    /// <summary>A process's command line with its arguments joined by spaces; <c>null</c> when it is gone.</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The processes whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> WithCommandLineContaining(string text) =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLine(pid)?.Contains(text, StringComparison.Ordinal) == true)
            .ToList();
}
