using Ligbox.Core.Mailboxes;

namespace Ligbox.Core.Tests.Mailboxes;

/// <summary>The mailbox CSV of a job with admin logins (master users): the passwords of those sides may be left out.</summary>
public class MailboxCsvAdminLoginTests
{
    [Fact]
    public void TakesRowsWithoutPasswordColumns_WhenBothSidesHaveAnAdminLogin()
    {
        var result = MailboxCsvParser.Parse("source_user,dest_user\nana@example.com,ana@new.example\nbia@example.com,bia@new.example", true, true);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Reason)));
        Assert.Equal([("ana@example.com", "", ""), ("bia@example.com", "", "")], result.Rows.Select(r => (r.SourceUser, r.SourcePassword, r.DestPassword)));
    }

    [Fact]
    public void TakesEmptyPasswords_OnlyOnTheSideWithAnAdminLogin()
    {
        var result = MailboxCsvParser.Parse("source_user,source_password,dest_user,dest_password\nana@example.com,,ana@new.example,\n", true, false);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("dest_password", "is empty."), (error.Field, error.Reason));
    }

    [Fact]
    public void StillNeedsThePasswordColumns_WithoutAdminLogins()
    {
        var result = MailboxCsvParser.Parse("source_user,dest_user\nana@example.com,ana@new.example");

        Assert.Contains("missing source_password, dest_password", Assert.Single(result.Errors).Reason);
    }
}
