using Ligbox.Testing.Zimbra;
using Ligbox.Tools.Zimbra;

namespace Ligbox.Tools.Tests.Zimbra;

/// <summary>The export over SSH against a real OpenSSH server on 127.0.0.1 (started by the test) with a stand-in zmmailbox.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ZimbraSshExporterTests : IAsyncLifetime
{
    private readonly OpenSshServer _sshd = new();
    private readonly ZimbraSshExporter _exporter = new();

    public async Task InitializeAsync()
    {
        await _sshd.StartAsync();
        ZimbraTgzGenerator.WriteFile(_sshd.ExportFile, new ZimbraTgzSpec { Folders = [new("Inbox", 700), new("Sent", 30)], TruncatedMessage = 0 });
    }

    public Task DisposeAsync() => _sshd.DisposeAsync().AsTask();

    [Fact]
    public async Task The_probe_shows_the_host_key_fingerprint_for_confirmation()
    {
        var fingerprint = await _exporter.ProbeHostKeyAsync(_sshd.Host, _sshd.Port);
        Assert.Equal(_sshd.HostKeySha256, fingerprint);
        Assert.StartsWith("SHA256:", fingerprint);
    }

    [Fact]
    public async Task With_the_pinned_key_the_export_streams_the_TGZ_and_passes_the_delta_query()
    {
        await using var stream = await _exporter.OpenExportAsync(Target(), "ana@example.com", "after:11/30/2026");
        await using var reader = new ZimbraTgzReader(stream);
        var messages = 0;
        while (await reader.ReadNextAsync() is { } item)
        {
            if (item.Type == ZimbraItemType.Message)
            {
                await item.Content!.CopyToAsync(Stream.Null);
                messages++;
            }
        }

        Assert.Equal(730, messages);
        Assert.Equal(new FileInfo(_sshd.ExportFile).Length, reader.BytesRead);
        var args = await File.ReadAllLinesAsync(_sshd.ArgumentsFile);
        Assert.Equal(["-z", "-m", "ana@example.com", "getRestURL", "//?fmt=tgz&query=after%3A11%2F30%2F2026"], args);
    }

    [Fact]
    public async Task A_wrong_private_key_is_a_plain_login_error()
    {
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.OpenExportAsync(Target() with { PrivateKey = _sshd.WrongKey }, "ana@example.com"));
        Assert.Contains("refused the login", e.Message);
        Assert.DoesNotContain("PRIVATE KEY", e.Message);
    }

    [Fact]
    public async Task An_unconfirmed_host_key_is_refused_and_named()
    {
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.OpenExportAsync(Target() with { HostKeySha256 = null }, "ana@example.com"));
        Assert.Contains("not confirmed yet", e.Message);
        Assert.Contains(_sshd.HostKeySha256, e.Message);
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_and_both_keys_named()
    {
        const string pinned = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.OpenExportAsync(Target() with { HostKeySha256 = pinned }, "ana@example.com"));
        Assert.Contains("changed", e.Message);
        Assert.Contains(_sshd.HostKeySha256, e.Message);
        Assert.Contains(pinned, e.Message);
    }

    [Fact]
    public async Task A_missing_zmmailbox_is_a_plain_error_at_the_end_of_the_stream()
    {
        await using var stream = await _exporter.OpenExportAsync(Target() with { Zmmailbox = "/opt/zimbra/bin/zmmailbox-missing" }, "ana@example.com");
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => stream.CopyToAsync(Stream.Null));
        Assert.Contains("zmmailbox was not found on the server", e.Message);
    }

    [Fact]
    public async Task An_unknown_account_gives_zimbras_own_words()
    {
        await using var stream = await _exporter.OpenExportAsync(Target(), "bob@example.com");
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => stream.CopyToAsync(Stream.Null));
        Assert.Contains("NO_SUCH_ACCOUNT", e.Message);
        Assert.Contains("bob@example.com", e.Message);
    }

    [Fact]
    public async Task Nothing_listens_is_a_plain_error()
    {
        var e = await Assert.ThrowsAsync<ZimbraSshException>(() => _exporter.OpenExportAsync(Target() with { Port = 1 }, "ana@example.com"));
        Assert.Contains("Cannot connect", e.Message);
    }

    [Theory]
    [InlineData(null, "'/opt/zimbra/bin/zmmailbox' '-z' '-m' 'ana@example.com' 'getRestURL' '//?fmt=tgz'")]
    [InlineData("after:11/30/2026", "'/opt/zimbra/bin/zmmailbox' '-z' '-m' 'ana@example.com' 'getRestURL' '//?fmt=tgz&query=after%3A11%2F30%2F2026'")]
    public void The_command_quotes_every_argument(string? query, string expected) =>
        Assert.Equal(expected, ZimbraSshExporter.Command(ZimbraSshTarget.DefaultZmmailbox, "ana@example.com", query));

    [Fact]
    public void An_account_with_a_quote_cannot_break_out_of_the_command() =>
        Assert.Equal("'zm' '-z' '-m' 'a'\\''; rm -rf /'\\''@x' 'getRestURL' '//?fmt=tgz'", ZimbraSshExporter.Command("zm", "a'; rm -rf /'@x", null));

    private ZimbraSshTarget Target() => new(_sshd.Host, _sshd.Port, _sshd.User, _sshd.ClientKey, null, _sshd.HostKeySha256, _sshd.Zmmailbox);
}
