using System.ComponentModel.DataAnnotations;

namespace Ligbox.Core.Uploads;

/// <summary>Settings of the resumable (tus) upload store, bound from <c>Ligbox:Uploads</c>.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Ligbox:Uploads";

    /// <summary>Directory holding one data file and one JSON metadata file per upload.</summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>Largest declared Upload-Length accepted (tus Tus-Max-Size). Default 50 GB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxSize { get; set; } = 50L * 1024 * 1024 * 1024;

    /// <summary>How long an unfinished upload lives after its last successful write (abandoned uploads go soon: issue 12).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Expiration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Declared bytes one user's unfinished uploads may hold together. Default 60 GB (one largest upload and some).</summary>
    [Range(1, long.MaxValue)]
    public long MaxPendingBytesPerOwner { get; set; } = 60L * 1024 * 1024 * 1024;

    /// <summary>Declared bytes all unfinished uploads may hold together. Default 200 GB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPendingBytes { get; set; } = 200L * 1024 * 1024 * 1024;

    /// <summary>Free disk space that must remain after all unfinished uploads are complete.</summary>
    [Range(0, long.MaxValue)]
    public long MinFreeDiskBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Size of the PATCH requests the console's own upload panel sends (tus-js-client chunkSize). Default 8 MB.</summary>
    [Range(16 * 1024, int.MaxValue)]
    public int BrowserChunkSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// How long a finished upload (a PST, mbox or Zimbra export) is kept after it was completed, so it can be imported
    /// again; then the cleanup deletes it, unless an import run that has not succeeded (queued, running, resuming,
    /// interrupted or failed) still names it. Default 7 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan CompletedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the background cleanup removes expired unfinished uploads.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);
}
