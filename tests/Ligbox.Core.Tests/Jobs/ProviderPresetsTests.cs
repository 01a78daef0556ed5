using Ligbox.Core.Jobs;
using Ligbox.Core.OAuth;

namespace Ligbox.Core.Tests.Jobs;

/// <summary>The settings each provider preset produces (Office 365 and Google cannot be reached here: their presets are tested by what they set).</summary>
public class ProviderPresetsTests
{
    [Fact]
    public void ListsEveryProvider_OnceEach_InTheFormsOrder()
    {
        Assert.Equal(["microsoft365", "gmail", "dovecot", "zimbra", "cpanel", "custom"], ProviderPresets.All.Select(p => p.Id));
        Assert.All(ProviderPresets.All, p => Assert.False(string.IsNullOrWhiteSpace(p.Description)));
    }

    [Fact]
    public void Microsoft365_IsOutlookOnTls993WithOAuth_AndExchangeOnlinesThrottling()
    {
        var server = new ServerEndpointModel { Host = "old.example", Port = 143, Security = ImapSecurityMode.None };
        ProviderPresets.Microsoft365.ApplyTo(server);
        var options = new JobOptionsModel();
        ProviderPresets.ApplyTo(options, ProviderPresets.Microsoft365, null);

        Assert.Equal(("outlook.office365.com", 993, ImapSecurityMode.Ssl, ImapAuthMode.XOAuth2), (server.Host, server.Port, server.Security, server.Auth));
        Assert.Equal(OAuthProviderKind.Microsoft, ProviderPresets.Microsoft365.OAuthProvider);
        Assert.Equal(10, options.MaxConcurrentMailboxes);
        Assert.Equal(4, options.MaxMessagesPerSecond);
        Assert.Null(options.MaxBytesPerSecond);
        Assert.Contains("Calendar", options.ExcludeFolders);
        Assert.Contains("Sync Issues/*", options.ExcludeFolders);
        Assert.DoesNotContain("INBOX", options.ExcludeFolders);
    }

    [Fact]
    public void Gmail_AsSource_SkipsAllMailImportantStarred_InBothSpellings_AndReadsAt40KBps()
    {
        var server = new ServerEndpointModel();
        ProviderPresets.Gmail.ApplyTo(server);
        var options = new JobOptionsModel { ExcludeFolders = ["Junk"] };
        ProviderPresets.ApplyTo(options, ProviderPresets.Gmail, ProviderPresets.Dovecot);

        Assert.Equal(("imap.gmail.com", 993, ImapSecurityMode.Ssl, ImapAuthMode.XOAuth2), (server.Host, server.Port, server.Security, server.Auth));
        Assert.Equal(OAuthProviderKind.Google, ProviderPresets.Gmail.OAuthProvider);
        Assert.Equal(["Junk", "[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Starred", "[Gmail]/Chats",
            "[Google Mail]/All Mail", "[Google Mail]/Important", "[Google Mail]/Starred", "[Google Mail]/Chats"], options.ExcludeFolders);
        Assert.Equal(40_000, options.MaxBytesPerSecond);
        Assert.Equal(10, options.MaxConcurrentMailboxes);
        Assert.Null(options.MaxMessagesPerSecond);
    }

    [Fact]
    public void Gmail_AsDestination_SkipsNothing_AndWritesAt20KBps()
    {
        var options = new JobOptionsModel();
        ProviderPresets.ApplyTo(options, ProviderPresets.CPanel, ProviderPresets.Gmail);

        Assert.Empty(options.ExcludeFolders);
        Assert.Equal(20_000, options.MaxBytesPerSecond);
        Assert.Equal(4, options.MaxConcurrentMailboxes); // the stricter of cPanel's 4 and Gmail's 10
    }

    [Fact]
    public void SelfHostedPresets_KeepTheTypedHost_UseTls993AndPasswords()
    {
        foreach (var preset in new[] { ProviderPresets.Dovecot, ProviderPresets.Zimbra, ProviderPresets.CPanel, ProviderPresets.Custom })
        {
            var server = new ServerEndpointModel { Host = "mail.customer.example", Port = 143, Security = ImapSecurityMode.StartTls, Auth = ImapAuthMode.Login };
            preset.ApplyTo(server);
            Assert.Equal(("mail.customer.example", 993, ImapSecurityMode.Ssl, ImapAuthMode.Plain), (server.Host, server.Port, server.Security, server.Auth));
            Assert.Null(preset.OAuthProvider);
        }
    }

    [Fact]
    public void ChoosingASelfHostedPreset_AfterGmail_ClearsGmailsHost_AndItsFoldersToSkip()
    {
        var server = new ServerEndpointModel();
        var options = new JobOptionsModel { ExcludeFolders = ["Junk"] };
        ProviderPresets.Gmail.ApplyTo(server);
        ProviderPresets.ApplyTo(options, ProviderPresets.Gmail, null);

        ProviderPresets.Zimbra.ApplyTo(server);
        ProviderPresets.ApplyTo(options, ProviderPresets.Zimbra, null, previousSource: ProviderPresets.Gmail);

        Assert.Equal("", server.Host);
        Assert.Contains("Junk", options.ExcludeFolders);
        Assert.DoesNotContain(options.ExcludeFolders, f => f.Contains("Gmail", StringComparison.Ordinal) || f.Contains("Google", StringComparison.Ordinal));
        Assert.Contains("Briefcase", options.ExcludeFolders);
        Assert.Equal(4, options.MaxConcurrentMailboxes);
    }

    [Fact]
    public void DovecotAndCustom_SetNoThrottling()
    {
        var options = new JobOptionsModel { MaxConcurrentMailboxes = 3, MaxMessagesPerSecond = 1, MaxBytesPerSecond = 5 };
        ProviderPresets.ApplyTo(options, ProviderPresets.Dovecot, ProviderPresets.Custom);

        Assert.Equal((null, null, null), (options.MaxConcurrentMailboxes, options.MaxMessagesPerSecond, options.MaxBytesPerSecond));
    }

    [Theory]
    [InlineData("GMAIL", "gmail")]
    [InlineData("microsoft365", "microsoft365")]
    [InlineData("exchange", null)]
    [InlineData(null, null)]
    public void FindsPresetsByIdIgnoringCase(string? id, string? expected) => Assert.Equal(expected, ProviderPresets.Find(id)?.Id);
}
