using Ligbox.Tools.Doveadm;

namespace Ligbox.Tools.Tests.Doveadm;

public class DoveadmCommandsTests
{
    [Fact]
    public void BuildsTabFormattedStatus_WhenAskedForMailboxStatus()
    {
        var args = DoveadmCommands.MailboxStatus("mig", configFile: "/tmp/d/dovecot.conf");

        Assert.Equal(["-c", "/tmp/d/dovecot.conf", "-f", "tab", "mailbox", "status", "-u", "mig", "messages vsize uidnext uidvalidity", "*"], args);
    }

    [Fact]
    public void BuildsReverseBackupFromImapcWithoutPassword_WhenAskedForBackup()
    {
        var args = DoveadmCommands.BackupFromImapc("mig", new ImapcSource("10.0.0.5", 993, "old-mig", "imaps"));

        Assert.Equal(
            ["-o", "imapc_host=10.0.0.5", "-o", "imapc_port=993", "-o", "imapc_user=old-mig", "-o", "imapc_ssl=imaps", "backup", "-R", "-u", "mig", "imapc:"],
            args);
        Assert.DoesNotContain(args, a => a.Contains("password", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Rejects_WhenUserIsBlank(string user)
    {
        Assert.ThrowsAny<ArgumentException>(() => DoveadmCommands.MailboxStatus(user));
    }
}
