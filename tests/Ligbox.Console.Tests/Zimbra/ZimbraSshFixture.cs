using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;
using Ligbox.Testing.Dovecot;
using Ligbox.Testing.Zimbra;

namespace Ligbox.Console.Tests.Zimbra;

/// <summary>
/// The console with a real Dovecot and a real OpenSSH server on 127.0.0.1 whose stand-in zmmailbox streams an export
/// generated from <paramref name="export"/>; a token client with the jobs scopes.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class ZimbraSshFixture(ZimbraTgzSpec export) : LigboxAppFactory
{
    public DovecotServer Dovecot { get; } = new();
    public OpenSshServer Sshd { get; } = new();
    public HttpClient Api { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await Dovecot.StartAsync();
        await Sshd.StartAsync();
        ZimbraTgzGenerator.WriteFile(Sshd.ExportFile, export);
        await base.InitializeAsync();
        Api = await CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Sshd.Dispose();
        Dovecot.Dispose();
    }
}
