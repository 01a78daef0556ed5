using System.Text.Json.Serialization;

namespace Ligbox.Core.Uploads;

/// <summary>State of one upload, persisted as <c>{id}.json</c> next to its data file <c>{id}.bin</c>.</summary>
public sealed record UploadInfo
{
    public required string Id { get; init; }

    /// <summary>User id (ClaimTypes.NameIdentifier) of the technician who created the upload.</summary>
    public required string OwnerId { get; init; }

    /// <summary>Declared total size in bytes (Upload-Length).</summary>
    public required long Length { get; init; }

    /// <summary>Bytes durably written so far (Upload-Offset).</summary>
    public long Offset { get; init; }

    /// <summary>Decoded Upload-Metadata pairs (filename, filetype, mailboxId, jobId, ...). Never used for paths.</summary>
    public IReadOnlyDictionary<string, string?> Metadata { get; init; } = new Dictionary<string, string?>();

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When an unfinished upload is removed; extended by every successful write.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    [JsonIgnore]
    public bool IsCompleted => Offset == Length;

    [JsonIgnore]
    public string? FileName => Metadata.TryGetValue("filename", out var name) ? name : null;

    /// <summary>Completed uploads never expire: they wait for the import, which deletes them.</summary>
    public bool IsExpired(DateTimeOffset now) => !IsCompleted && now >= ExpiresAt;
}
