namespace Ligbox.Core.Uploads;

/// <summary>Free bytes on the volume holding a directory; a seam so tests can simulate a full disk.</summary>
public interface IFreeSpaceProvider
{
    long GetAvailableFreeSpace(string directory);
}

public sealed class DriveFreeSpaceProvider : IFreeSpaceProvider
{
    // On Linux DriveInfo accepts any path and reports the volume that contains it (statvfs).
    public long GetAvailableFreeSpace(string directory) => new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
}
