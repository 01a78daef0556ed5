using Ligbox.Testing.Zimbra;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Tools.Tests.Zimbra;

/// <summary>
/// The login check run before a job's Zimbra SSH settings are saved, against a real OpenSSH server on 127.0.0.1
/// (started by the test) with the stand-in zmmailbox: each wrong part is named in plain words, nothing exported.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZimbraSshLoginCheckTests : IAsyncLifetime
{
    private readonly OpenSshServer _sshd = new();
    private readonly ZimbraSshExporter _exporter = new();

    public Task InitializeAsync() => _sshd.StartAsync();

    public Task DisposeAsync() => _sshd.DisposeAsync().AsTask();

    private ZimbraSshTarget Target() => new(_sshd.Host, _sshd.Port, _sshd.User, _sshd.ClientKey, null, _sshd.HostKeySha256, _sshd.Zmmailbox);

    [Fact]
    public async Task The_right_key_user_host_key_and_zmmailbox_pass_without_exporting_anything()
    {
        await _exporter.CheckLoginAsync(Target());

        Assert.False(File.Exists(_sshd.ArgumentsFile), "the check must not run an export");
    }

    [Fact]
    public async Task A_wrong_key_is_a_login_failure_in_plain_words()
    {
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.CheckLoginAsync(Target() with { PrivateKey = _sshd.WrongKey }));

        Assert.Equal(ZimbraSshFailure.Login, e.Failure);
        Assert.Contains($"refused the login of '{_sshd.User}' with the private key given", e.Message);
        Assert.DoesNotContain("PRIVATE KEY", e.Message);
    }

    [Fact]
    public async Task A_wrong_user_is_a_login_failure_naming_the_user()
    {
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.CheckLoginAsync(Target() with { User = "nobody-zimbra" }));

        Assert.Equal(ZimbraSshFailure.Login, e.Failure);
        Assert.Contains("refused the login of 'nobody-zimbra'", e.Message);
    }

    [Fact]
    public async Task A_missing_zmmailbox_is_named_with_its_path()
    {
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.CheckLoginAsync(Target() with { Zmmailbox = "/opt/zimbra/bin/zmmailbox-not-here" }));

        Assert.Equal(ZimbraSshFailure.Zmmailbox, e.Failure);
        Assert.Contains("zmmailbox was not found there at /opt/zimbra/bin/zmmailbox-not-here", e.Message);
    }

    [Fact]
    public async Task Another_host_key_than_the_confirmed_one_is_refused_before_any_login()
    {
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.CheckLoginAsync(Target() with { HostKeySha256 = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }));

        Assert.Equal(ZimbraSshFailure.HostKey, e.Failure);
        Assert.Contains("changed", e.Message);
    }
}
