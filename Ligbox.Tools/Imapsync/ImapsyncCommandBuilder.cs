using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ligbox.Tools.Imapsync;

/// <summary>
/// Builds imapsync's argument list from typed <see cref="ImapsyncOptions"/>. Passwords go only into
/// <c>--passfile1</c>/<c>--passfile2</c> files created with mode 0600 in a private 0700 directory;
/// logging is forced on (<c>--nodockercontext</c>, <c>--logdir</c>/<c>--logfile</c>) and each run gets
/// its own <c>--pidfile</c>.
/// </summary>
public static partial class ImapsyncCommandBuilder
{
    /// <summary>
    /// Options accepted in <see cref="ImapsyncOptions.ExtraArguments"/>: none of them deletes on host1,
    /// touches credentials or moves files. The <c>--debug*</c> options are left out because they write
    /// IMAP traces, LOGIN included, into the raw log that is kept.
    /// </summary>
    public static readonly IReadOnlySet<string> AllowedExtraOptions = new HashSet<string>(StringComparer.Ordinal)
    {
        "--automap", "--noautomap", "--syncinternaldates", "--nosyncinternaldates", "--skipsize", "--noskipsize",
        "--useheader", "--useuid", "--nofoldersizes", "--nofoldersizesatend", "--subscribed", "--subscribeall",
        "--maxage", "--minage", "--maxsize", "--minsize", "--search", "--search1", "--regextrans2", "--f1f2",
        "--sep1", "--sep2", "--prefix1", "--prefix2", "--timeout", "--timeout1", "--timeout2", "--addheader",
        "--resyncflags", "--noresyncflags", "--maxbytespersecond", "--maxmessagespersecond", "--exitwhenover",
        "--authmech1", "--authmech2", "--compress1", "--compress2", "--skipcrossduplicates", "--syncduplicates",
        "--noid", "--nocheckfoldersexist", "--nocheckselectable", "--nochecknoabletosearch", "--noreleasecheck",
        "--nomodulesversion",
    };

    private static readonly UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly UnixFileMode PassFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex SafeRunName();

    /// <summary>
    /// Validates <paramref name="options"/>, writes the passfiles and returns the prepared command.
    /// Dispose the result to delete the passfiles.
    /// </summary>
    /// <param name="options">The run.</param>
    /// <param name="logDirectory">Directory imapsync logs into (created when missing).</param>
    /// <param name="workDirectory">Parent for the private run directory; the system temp directory when <c>null</c>.</param>
    /// <returns>The command; its <see cref="ImapsyncCommand.Arguments"/> contain no password.</returns>
    /// <exception cref="ArgumentException">An option is invalid or an extra argument is not allowed.</exception>
    public static ImapsyncCommand Prepare(ImapsyncOptions options, string logDirectory, string? workDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(logDirectory);
        Validate(options);

        var runName = options.RunName
            ?? $"imapsync-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";
        var logDir = Path.GetFullPath(logDirectory);
        Directory.CreateDirectory(logDir);

        var runDirectory = Path.Combine(Path.GetFullPath(workDirectory ?? Path.GetTempPath()), $"ligbox-imapsync-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(runDirectory);
        }
        else
        {
            Directory.CreateDirectory(runDirectory, PrivateDirectoryMode);
        }

        var passFile1 = Path.Combine(runDirectory, "passfile1");
        var passFile2 = Path.Combine(runDirectory, "passfile2");
        var pidFile = Path.Combine(runDirectory, "imapsync.pid");
        var logFileName = runName + ".log";
        try
        {
            WritePassFile(passFile1, options.Host1.Password);
            WritePassFile(passFile2, options.Host2.Password);
        }
        catch
        {
            Directory.Delete(runDirectory, recursive: true);
            throw;
        }

        var args = new List<string>
        {
            "--nodockercontext",
            "--pidfile", pidFile,
            "--logdir", logDir,
            "--logfile", logFileName,
        };
        AddEndpoint(args, "1", options.Host1, passFile1);
        AddEndpoint(args, "2", options.Host2, passFile2);
        foreach (var folder in options.Folders)
        {
            args.Add("--folder");
            args.Add(folder);
        }

        foreach (var include in options.IncludeFolders)
        {
            args.Add("--include");
            args.Add(include);
        }

        foreach (var exclude in options.ExcludeFolders)
        {
            args.Add("--exclude");
            args.Add(exclude);
        }

        if (options.ErrorsMax is { } errorsMax)
        {
            args.Add("--errorsmax");
            args.Add(errorsMax.ToString(CultureInfo.InvariantCulture));
        }

        if (options.DryRun)
        {
            args.Add("--dry");
        }

        if (options.Delete2)
        {
            args.Add("--delete2");
        }

        args.AddRange(options.ExtraArguments);
        if (options.JustLogin)
        {
            args.Add("--justlogin");
        }

        return new ImapsyncCommand(args, runDirectory, passFile1, passFile2, pidFile, Path.Combine(logDir, logFileName), [options.Host1.Password, options.Host2.Password]);
    }

    private static void AddEndpoint(List<string> args, string side, ImapsyncEndpoint endpoint, string passFile)
    {
        args.Add("--host" + side);
        args.Add(endpoint.Host);
        if (endpoint.Port is { } port)
        {
            args.Add("--port" + side);
            args.Add(port.ToString(CultureInfo.InvariantCulture));
        }

        args.Add("--user" + side);
        args.Add(endpoint.User);
        if (endpoint.AuthUser is { } authUser)
        {
            args.Add("--authuser" + side);
            args.Add(authUser);
        }

        args.Add("--passfile" + side);
        args.Add(passFile);
        if (endpoint.PasswordIsOAuthAccessToken)
        {
            // imapsync reads the token from the file's first line when the value is a readable file.
            args.Add("--oauthaccesstoken" + side);
            args.Add(passFile);
        }
        switch (endpoint.Security)
        {
            case ImapsyncSecurity.Ssl:
                args.Add("--ssl" + side);
                break;
            case ImapsyncSecurity.StartTls:
                args.Add("--tls" + side);
                break;
        }

        if (endpoint.Security != ImapsyncSecurity.None)
        {
            // imapsync does not verify certificates unless told to (its default is SSL_verify_mode=0): verify them,
            // and trust the job's pinned certificate by its fingerprint (IO::Socket::SSL's SSL_fingerprint).
            args.Add("--sslargs" + side);
            args.Add("SSL_verify_mode=1");
            if (endpoint.CertificateSha256 is { } pin)
            {
                args.Add("--sslargs" + side);
                args.Add("SSL_fingerprint=sha256$" + pin);
            }
        }
    }

    private static void WritePassFile(string path, string password)
    {
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, so the file is never readable by others even for an instant.
            fileOptions.UnixCreateMode = PassFileMode;
        }

        using var stream = new FileStream(path, fileOptions);
        // imapsync reads the first line of the passfile and strips the newline.
        stream.Write(Encoding.UTF8.GetBytes(password + "\n"));
    }

    private static void Validate(ImapsyncOptions options)
    {
        ValidateEndpoint(options.Host1, "Host1");
        ValidateEndpoint(options.Host2, "Host2");
        if (options.ErrorsMax is < 1)
        {
            throw new ArgumentException($"ErrorsMax must be at least 1, not {options.ErrorsMax}.", nameof(options));
        }

        if (options.RunName is { } name && !SafeRunName().IsMatch(name))
        {
            throw new ArgumentException($"Run name '{name}' may only contain letters, digits, '.', '_' and '-'.", nameof(options));
        }

        foreach (var argument in options.ExtraArguments)
        {
            if (argument.StartsWith('-'))
            {
                var option = argument.Split('=', 2)[0];
                if (!AllowedExtraOptions.Contains(option))
                {
                    throw new ArgumentException($"Extra imapsync argument '{option}' is not allowed. Allowed: {string.Join(", ", AllowedExtraOptions.Order())}.", nameof(options));
                }
            }
        }
    }

    private static void ValidateEndpoint(ImapsyncEndpoint endpoint, string name)
    {
        ArgumentNullException.ThrowIfNull(endpoint, name);
        if (string.IsNullOrWhiteSpace(endpoint.Host) || endpoint.Host.StartsWith('-') || endpoint.Host.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"{name} host '{endpoint.Host}' is not a valid host name.", name);
        }

        if (string.IsNullOrWhiteSpace(endpoint.User) || endpoint.User.StartsWith('-'))
        {
            throw new ArgumentException($"{name} user name is empty or starts with '-'.", name);
        }

        if (endpoint.AuthUser is { } authUser && (string.IsNullOrWhiteSpace(authUser) || authUser.StartsWith('-')))
        {
            throw new ArgumentException($"{name} admin (authuser) name is empty or starts with '-'.", name);
        }

        if (endpoint.CertificateSha256 is { } pin && (pin.Length != 64 || !pin.All(char.IsAsciiHexDigit)))
        {
            throw new ArgumentException($"{name} certificate fingerprint must be 64 hex digits (SHA-256).", name);
        }

        if (endpoint.Port is < 1 or > 65535)
        {
            throw new ArgumentException($"{name} port {endpoint.Port} is out of range.", name);
        }

        if (string.IsNullOrEmpty(endpoint.Password) || endpoint.Password.Contains('\n') || endpoint.Password.Contains('\r'))
        {
            // A passfile holds one line; a newline would silently truncate the password.
            throw new ArgumentException($"{name} password is empty or contains a line break.", name);
        }
    }
}
