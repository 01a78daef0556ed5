namespace Ligbox.Core.Uploads;

/// <summary>Base of the store's expected failures; each maps to one tus/HTTP status in the endpoints.</summary>
public abstract class UploadException(string message) : Exception(message);

public sealed class UploadNotFoundException(string id) : UploadException($"Upload '{id}' does not exist.");

public sealed class UploadExpiredException(string id) : UploadException($"Upload '{id}' has expired.");

public sealed class UploadLockedException(string id)
    : UploadException($"Upload '{id}' is being written by another request; retry when it has finished.");

public sealed class UploadOffsetMismatchException(long expected, long actual)
    : UploadException($"Upload-Offset {actual} does not match the upload's current offset {expected}.")
{
    public long ExpectedOffset { get; } = expected;
}

public sealed class UploadChecksumMismatchException(string algorithm)
    : UploadException($"The {algorithm} checksum of the received chunk does not match Upload-Checksum; the chunk was discarded.");

public sealed class UploadTooLargeException(long declared, long max)
    : UploadException($"Upload-Length {declared} exceeds the maximum upload size of {max} bytes.")
{
    public long MaxSize { get; } = max;
}

public sealed class UploadLengthExceededException(long length)
    : UploadException($"The request body goes past the declared Upload-Length of {length} bytes; the chunk was discarded.");

public sealed class InsufficientStorageException(long required, long available)
    : UploadException($"Not enough free disk space for this upload: {required} bytes are needed (upload size, unfinished uploads and safety margin) but only {available} bytes are free.")
{
    public long RequiredBytes { get; } = required;

    public long AvailableBytes { get; } = available;
}

/// <summary>The unfinished uploads of this user, or of everyone, already declare as many bytes as allowed (issue 12).</summary>
public sealed class UploadQuotaExceededException(string message) : UploadException(message);
