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

    public void ReplaceSecrets(string? protectedSourceSecret, string? protectedDestinationSecret)
    {
        SourceSecretProtected = protectedSourceSecret ?? SourceSecretProtected;
        DestinationSecretProtected = protectedDestinationSecret ?? DestinationSecretProtected;
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
