using System.Diagnostics;

namespace Ligbox.Testing.Processes;

/// <summary>How the tests and benchmarks start the built console as a process of its own.</summary>
public static class ConsoleProcess
{
    /// <summary>
    /// <c>dotnet {dll}</c> in Development on 127.0.0.1:<paramref name="port"/> with its data directory and first admin,
    /// glibc's arenas limited as shipped, output redirected and warnings only; callers add their settings to <see cref="ProcessStartInfo.Environment"/>.
    /// </summary>
    public static ProcessStartInfo StartInfo(string dll, int port, string dataDir, string adminEmail, string adminPassword)
    {
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Ligbox__DataDir"] = dataDir;
        info.Environment["Ligbox__Admin__Email"] = adminEmail;
        info.Environment["Ligbox__Admin__Password"] = adminPassword;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        // As the Dockerfile and the launch profile start it (docs/sizing.md).
        info.Environment["MALLOC_ARENA_MAX"] = "2";
        return info;
    }
}
