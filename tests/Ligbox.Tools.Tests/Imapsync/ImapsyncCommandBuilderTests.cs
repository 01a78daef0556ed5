using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Tests.Support;

namespace Ligbox.Tools.Tests.Imapsync;

public class ImapsyncCommandBuilderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    internal static ImapsyncOptions Options(string password1 = "src-S3cret!", string password2 = "dst-P@ss w0rd") => new()
    {
        Host1 = new ImapsyncEndpoint { Host = "imap.source.example", Port = 993, User = "alice", Password = password1, Security = ImapsyncSecurity.Ssl },
        Host2 = new ImapsyncEndpoint { Host = "127.0.0.1", Port = 143, User = "alice@new.example", Password = password2, Security = ImapsyncSecurity.StartTls },
    };

    private ImapsyncCommand Prepare(ImapsyncOptions options) => ImapsyncCommandBuilder.Prepare(options, _temp.Combine("logs"), _temp.Combine("work"));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ArgvContainsNoPassword_WhenPrepared()
    {
        using var command = Prepare(Options());

        Assert.DoesNotContain(command.Arguments, arg => arg.Contains("S3cret") || arg.Contains("P@ss"));
        Assert.DoesNotContain("--password1", command.Arguments);
        Assert.DoesNotContain("--password2", command.Arguments);
        Assert.Equal(command.PassFile1Path, ValueOf(command, "--passfile1"));
        Assert.Equal(command.PassFile2Path, ValueOf(command, "--passfile2"));
    }

    [Fact]
    public void WritesOwnerOnlyPassfilesHoldingThePasswords_WhenPrepared()
    {
        using var command = Prepare(Options());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(command.PassFile1Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(command.PassFile2Path));
        Assert.Equal("src-S3cret!\n", File.ReadAllText(command.PassFile1Path));
        Assert.Equal("dst-P@ss w0rd\n", File.ReadAllText(command.PassFile2Path));
        var directoryMode = File.GetUnixFileMode(Path.GetDirectoryName(command.PassFile1Path)!);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, directoryMode);
    }

    [Fact]
    public void DeletesPassfiles_WhenDisposed()
    {
        var command = Prepare(Options());

        command.Dispose();
        command.Dispose();

        Assert.False(File.Exists(command.PassFile1Path));
        Assert.False(File.Exists(command.PassFile2Path));
        Assert.False(Directory.Exists(Path.GetDirectoryName(command.PassFile1Path)));
    }

    [Fact]
    public void ForcesLoggingAndPerRunPidfile_WhenPrepared()
    {
        using var first = Prepare(Options());
        using var second = Prepare(Options());

        Assert.Equal("--nodockercontext", first.Arguments[0]);
        Assert.Equal(_temp.Combine("logs"), ValueOf(first, "--logdir"));
        Assert.Equal(first.LogFilePath, Path.Combine(ValueOf(first, "--logdir"), ValueOf(first, "--logfile")));
        Assert.Equal(first.PidFilePath, ValueOf(first, "--pidfile"));
        Assert.NotEqual(first.PidFilePath, second.PidFilePath);
        Assert.NotEqual(first.LogFilePath, second.LogFilePath);
        Assert.True(Directory.Exists(_temp.Combine("logs")));
    }

    [Fact]
    public void AddsJustLogin_WhenPreflight()
    {
        using var preflight = Prepare(Options() with { JustLogin = true });
        using var sync = Prepare(Options());

        Assert.Contains("--justlogin", preflight.Arguments);
        Assert.DoesNotContain("--justlogin", sync.Arguments);
    }

    [Fact]
    public void MapsTypedOptionsToImapsyncArguments_WhenAllAreSet()
    {
        var options = Options() with
        {
            Folders = ["INBOX"],
            IncludeFolders = ["^Work"],
            ExcludeFolders = ["^Trash$", "^Junk"],
            DryRun = true,
            Delete2 = true,
            ErrorsMax = 500,
            ExtraArguments = ["--automap", "--maxage", "365"],
            RunName = "job-7_run-3",
        };

        using var command = Prepare(options);

        var args = command.Arguments.Skip(7).ToList(); // after --nodockercontext, --pidfile, --logdir, --logfile
        Assert.Equal(
            [
                "--host1", "imap.source.example", "--port1", "993", "--user1", "alice", "--passfile1", command.PassFile1Path, "--ssl1", "--sslargs1", "SSL_verify_mode=1",
                "--host2", "127.0.0.1", "--port2", "143", "--user2", "alice@new.example", "--passfile2", command.PassFile2Path, "--tls2", "--sslargs2", "SSL_verify_mode=1",
                "--folder", "INBOX", "--include", "^Work", "--exclude", "^Trash$", "--exclude", "^Junk",
                "--errorsmax", "500", "--dry", "--delete2", "--automap", "--maxage", "365",
            ],
            args);
        Assert.Equal("job-7_run-3.log", ValueOf(command, "--logfile"));
    }

    [Theory]
    [InlineData("--delete1")]
    [InlineData("--delete")]
    [InlineData("--password1")]
    [InlineData("--passfile2")]
    [InlineData("--logdir")]
    [InlineData("--pidfile")]
    [InlineData("--tmpdir")]
    [InlineData("--noexpunge1=0")]
    [InlineData("--debugimap1")]
    public void RejectsExtraArgument_WhenNotOnAllowList(string extra)
    {
        var ex = Assert.Throws<ArgumentException>(() => Prepare(Options() with { ExtraArguments = [extra] }));

        Assert.Contains("not allowed", ex.Message);
        Assert.Empty(Directory.Exists(_temp.Combine("work")) ? Directory.GetFileSystemEntries(_temp.Combine("work")) : []);
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("")]
    public void RejectsPassword_WhenEmptyOrMultiLine(string password)
    {
        Assert.Throws<ArgumentException>(() => Prepare(Options(password1: password)));
    }

    [Fact]
    public void RejectsErrorsMax_WhenBelowOne()
    {
        Assert.Throws<ArgumentException>(() => Prepare(Options() with { ErrorsMax = 0 }));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a b")]
    public void RejectsRunName_WhenNotAPlainFileName(string runName)
    {
        Assert.Throws<ArgumentException>(() => Prepare(Options() with { RunName = runName }));
    }

    [Fact]
    public void HidesPasswordFromToString_WhenEndpointIsPrinted()
    {
        Assert.DoesNotContain("S3cret", Options().ToString());
    }

    [Fact]
    public void VerifiesCertificatesAndPassesThePin_WhenAFingerprintIsPinned()
    {
        var pin = new string('A', 62) + "0F";
        var options = Options() with { Host1 = Options().Host1 with { CertificateSha256 = pin } };

        using var command = Prepare(options);

        var args = command.Arguments.ToList();
        var at = args.IndexOf("--ssl1");
        Assert.Equal(["--ssl1", "--sslargs1", "SSL_verify_mode=1", "--sslargs1", "SSL_fingerprint=sha256$" + pin], args.Skip(at).Take(5));
    }

    [Fact]
    public void RejectsAPin_WhenItIsNotASha256Fingerprint()
    {
        var options = Options() with { Host1 = Options().Host1 with { CertificateSha256 = "AB:CD" } };

        Assert.Throws<ArgumentException>(() => Prepare(options));
    }

    private static string ValueOf(ImapsyncCommand command, string option)
    {
        var index = command.Arguments.ToList().IndexOf(option);
        Assert.True(index >= 0, $"{option} missing");
        return command.Arguments[index + 1];
    }
}
