using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ligbox.Core.Desk;

/// <summary>
/// The helpdesk ("Desk") the job reports are attached to: one row, set by an admin. The token is stored only in
/// protected form (like mailbox passwords) and never leaves the console except in the attach call's header.
/// The attach call is configurable: method, a path with <c>{ticketId}</c>, the multipart field of the file and the
/// header that carries the token.
/// </summary>
public sealed class DeskConnection
{
    public const int SingletonId = 1;

    private DeskConnection()
    {
    }

    public DeskConnection(DateTime nowUtc)
    {
        Id = SingletonId;
        UpdatedAtUtc = nowUtc;
    }

    public int Id { get; private set; }
    public bool Enabled { get; private set; }
    public string BaseUrl { get; private set; } = "";
    public string? TokenProtected { get; private set; }
    public string Method { get; private set; } = "POST";
    public string PathTemplate { get; private set; } = "/api/tickets/{ticketId}/attachments";
    public string FileField { get; private set; } = "file";
    public string AuthHeader { get; private set; } = "Authorization";

    /// <summary>Put before the token in <see cref="AuthHeader"/> ("Bearer", "Token"); empty sends the token alone.</summary>
    public string AuthScheme { get; private set; } = "Bearer";

    /// <summary>Attach the report by itself when the gate is approved.</summary>
    public bool AttachOnApproval { get; private set; } = true;

    public string? UpdatedBy { get; private set; }
    public DateTime UpdatedAtUtc { get; private set; }

    /// <summary>Concurrency token: two admins saving at once cannot both win.</summary>
    public int Version { get; private set; }

    public bool IsUsable => Enabled && BaseUrl.Length > 0 && TokenProtected is not null;

    /// <summary>Applies validated settings; a null token keeps the stored one, an empty one removes it.</summary>
    public void Update(DeskSettings settings, string? protectedToken, bool replaceToken, string by, DateTime nowUtc)
    {
        Enabled = settings.Enabled;
        BaseUrl = settings.BaseUrl.Trim().TrimEnd('/');
        Method = settings.Method.Trim().ToUpperInvariant();
        PathTemplate = settings.PathTemplate.Trim();
        FileField = settings.FileField.Trim();
        AuthHeader = settings.AuthHeader.Trim();
        AuthScheme = (settings.AuthScheme ?? "").Trim();
        AttachOnApproval = settings.AttachOnApproval;
        if (replaceToken)
        {
            TokenProtected = protectedToken;
        }

        UpdatedBy = by;
        UpdatedAtUtc = nowUtc;
        Version++;
    }

    /// <summary>The attach URL for a ticket: the base URL and the path with the ticket id escaped.</summary>
    public Uri AttachUrl(string ticketId) =>
        new(BaseUrl + PathTemplate.Replace("{ticketId}", Uri.EscapeDataString(ticketId), StringComparison.Ordinal));
}

/// <summary>What an admin sets (the page and <c>PUT /api/admin/desk</c>); <see cref="Token"/> is write-only.</summary>
public sealed record DeskSettings
{
    public bool Enabled { get; init; }
    public string BaseUrl { get; init; } = "";

    /// <summary>null keeps the stored token, "" removes it, anything else replaces it.</summary>
    public string? Token { get; init; }
    public string Method { get; init; } = "POST";
    public string PathTemplate { get; init; } = "/api/tickets/{ticketId}/attachments";
    public string FileField { get; init; } = "file";
    public string AuthHeader { get; init; } = "Authorization";
    public string? AuthScheme { get; init; } = "Bearer";
    public bool AttachOnApproval { get; init; } = true;
}

/// <summary>The connection as the API and the page show it: never with its token.</summary>
public sealed record DeskConnectionDto(bool Enabled, string BaseUrl, bool HasToken, string Method, string PathTemplate, string FileField,
    string AuthHeader, string AuthScheme, bool AttachOnApproval, string? UpdatedBy, DateTime? UpdatedAtUtc);

/// <summary>What "Test connection" found.</summary>
public enum DeskTestOutcome
{
    /// <summary>2xx/3xx: reachable, the token taken.</summary>
    Accepted,

    /// <summary>404 at the base URL: reachable, the token not refused.</summary>
    ReachableNotRefused,
    TokenRefused,
    HelpdeskError,
    UnexpectedAnswer,
    Unreachable,
    TimedOut,
    NoAddress,
    NoToken,
    TokenUnreadable,
}

/// <summary>
/// The outcome of "Test connection": <see cref="Message"/> in words (English, for the API); the page words it
/// from <see cref="Outcome"/>, <see cref="Address"/> and <see cref="Answer"/> (the status line, or why it could not connect).
/// <see cref="StatusCode"/> is null when the helpdesk could not be reached.
/// </summary>
public sealed record DeskTestResult(bool Succeeded, DeskTestOutcome Outcome, int? StatusCode, string? Address, string? Answer, string Message);

public sealed class DeskOptions : Deliveries.IRetrySchedule
{
    public const string Section = "Ligbox:Desk";

    /// <summary>Wait after the first failed attempt; each further failure waits three times longer.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    public int MaxAttempts { get; set; } = 8;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan DelayAfter(int attempts)
    {
        var factor = Math.Pow(3, Math.Max(0, attempts - 1));
        return TimeSpan.FromTicks((long)Math.Min(BaseDelay.Ticks * factor, MaxDelay.Ticks));
    }
}

internal sealed class DeskConnectionConfiguration : IEntityTypeConfiguration<DeskConnection>
{
    public void Configure(EntityTypeBuilder<DeskConnection> b)
    {
        b.ToTable("DeskConnection");
        b.HasKey(d => d.Id);
        b.Property(d => d.Id).ValueGeneratedNever();
        b.Property(d => d.BaseUrl).HasMaxLength(2000);
        b.Property(d => d.Method).HasMaxLength(10);
        b.Property(d => d.PathTemplate).HasMaxLength(1000);
        b.Property(d => d.FileField).HasMaxLength(100);
        b.Property(d => d.AuthHeader).HasMaxLength(100);
        b.Property(d => d.AuthScheme).HasMaxLength(50);
        b.Property(d => d.UpdatedBy).HasMaxLength(256);
        b.Property(d => d.Version).IsConcurrencyToken();
        b.Ignore(d => d.IsUsable);
    }
}
