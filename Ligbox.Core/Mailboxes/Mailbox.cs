namespace Ligbox.Core.Mailboxes;

public enum MailboxStatus
{
    Pending,
    Ready,
    Syncing,
    Synced,
    Failed,
}

/// <summary>
/// A source → destination mailbox pair in a job. Its secrets are stored only in protected form
/// (see <see cref="Security.SecretProtector"/>); the entity never sees a plaintext password.
/// </summary>
public sealed class Mailbox
{
    private Mailbox()
    {
    }

    internal Mailbox(Guid jobId, string sourceLogin, string protectedSourceSecret, string destinationLogin,
        string protectedDestinationSecret, string? destinationFolderPrefix, DateTime nowUtc)
    {
        Id = Guid.NewGuid();
        JobId = jobId;
        SourceLogin = sourceLogin;
        SourceSecretProtected = protectedSourceSecret;
        DestinationLogin = destinationLogin;
        DestinationSecretProtected = protectedDestinationSecret;
        DestinationFolderPrefix = string.IsNullOrWhiteSpace(destinationFolderPrefix) ? null : destinationFolderPrefix.Trim();
        Status = MailboxStatus.Pending;
        CreatedAtUtc = nowUtc;
    }

    public Guid Id { get; private set; }
    public Guid JobId { get; private set; }
    public string SourceLogin { get; private set; } = "";
    public string SourceSecretProtected { get; private set; } = "";
    public string DestinationLogin { get; private set; } = "";
    public string DestinationSecretProtected { get; private set; } = "";
    public string? DestinationFolderPrefix { get; private set; }
    public MailboxStatus Status { get; private set; }
    public string? StatusMessage { get; private set; }
    public long? LastSourceCount { get; private set; }
    public long? LastDestinationCount { get; private set; }
    public DateTime? LastSyncedAtUtc { get; private set; }
    public DateTime CreatedAtUtc { get; private set; }

    /// <summary>Counts every change of a login or password: the gate binds an approval to it.</summary>
    public int CredentialsVersion { get; private set; }

    /// <summary>Left out of every run and of the gate's figures, with the reason (listed in the gate's evidence).</summary>
    public bool Excluded { get; private set; }
    public string? ExcludedReason { get; private set; }
    public string? ExcludedBy { get; private set; }
    public DateTime? ExcludedAtUtc { get; private set; }

    public void ReplaceSecrets(string? protectedSourceSecret, string? protectedDestinationSecret)
    {
        if (protectedSourceSecret is null && protectedDestinationSecret is null)
        {
            return;
        }

        SourceSecretProtected = protectedSourceSecret ?? SourceSecretProtected;
        DestinationSecretProtected = protectedDestinationSecret ?? DestinationSecretProtected;
        CredentialsVersion++;
    }

    /// <summary>New logins (already normalized) or folder prefix; a changed login counts as new credentials.</summary>
    public void ChangeSettings(string? sourceLogin, string? destinationLogin, string? destinationFolderPrefix, bool setPrefix)
    {
        if (sourceLogin is not null && sourceLogin != SourceLogin)
        {
            SourceLogin = sourceLogin;
            CredentialsVersion++;
        }

        if (destinationLogin is not null && destinationLogin != DestinationLogin)
        {
            DestinationLogin = destinationLogin;
            CredentialsVersion++;
        }

        if (setPrefix)
        {
            DestinationFolderPrefix = string.IsNullOrWhiteSpace(destinationFolderPrefix) ? null : destinationFolderPrefix.Trim();
        }
    }

    /// <summary>After new credentials the last failure no longer describes the mailbox: it waits for its next pass.</summary>
    public void ResetAfterCredentialsChange()
    {
        if (Status == MailboxStatus.Failed)
        {
            Status = MailboxStatus.Pending;
            StatusMessage = "The credentials were changed; the next run uses them.";
        }
    }

    public void Exclude(string reason, string by, DateTime nowUtc)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["reason"] = ["Say why the mailbox is excluded (the ops lead reads it at the gate)."] });
        }

        Excluded = true;
        ExcludedReason = reason.Trim();
        ExcludedBy = by;
        ExcludedAtUtc = nowUtc;
    }

    public void Include()
    {
        Excluded = false;
        ExcludedReason = null;
        ExcludedBy = null;
        ExcludedAtUtc = null;
    }

    public void MarkReady(string? message = null)
    {
        Status = MailboxStatus.Ready;
        StatusMessage = message;
    }

    public void MarkSyncing()
    {
        if (Status == MailboxStatus.Syncing)
        {
            throw new DomainException($"The mailbox {SourceLogin} already has a sync running.");
        }

        Status = MailboxStatus.Syncing;
        StatusMessage = null;
    }

    public void RecordCounts(long sourceCount, long destinationCount, DateTime nowUtc)
    {
        LastSourceCount = sourceCount;
        LastDestinationCount = destinationCount;
        LastSyncedAtUtc = nowUtc;
        Status = MailboxStatus.Synced;
        StatusMessage = null;
    }

    public void MarkFailed(string message)
    {
        Status = MailboxStatus.Failed;
        StatusMessage = message;
    }

    /// <summary>Logins are compared case-insensitively and without surrounding blanks.</summary>
    public static string NormalizeLogin(string login) => (login ?? "").Trim().ToLowerInvariant();
}
