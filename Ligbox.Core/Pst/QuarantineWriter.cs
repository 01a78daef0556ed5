using System.Text.Json;

namespace Ligbox.Core.Pst;

/// <summary>
/// The quarantine of one run: <c>{n}.eml</c> files and <c>quarantine.jsonl</c>, one <see cref="QuarantineEntry"/> a line.
/// </summary>
internal sealed class QuarantineWriter(string directory, TimeProvider clock)
{
    public const string IndexFileName = "quarantine.jsonl";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private int _count = Read(directory).Count;

    public static string EmlPath(string directory, int number) => Path.Combine(directory, $"{number}.eml");

    public static IReadOnlyList<QuarantineEntry> Read(string directory)
    {
        var index = Path.Combine(directory, IndexFileName);
        return File.Exists(index)
            ? File.ReadLines(index).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<QuarantineEntry>(l, Json)!).ToList()
            : [];
    }

    public async Task AddFileAsync(string source, PstFolderStatistics folder, string? subject, string reason, CancellationToken cancellationToken)
    {
        var number = Next();
        File.Copy(source, EmlPath(directory, number), overwrite: true);
        await AppendIndexAsync(number, folder, subject, reason, cancellationToken);
    }

    public async Task AddMessageAsync(byte[] bytes, PstFolderStatistics folder, string? subject, string reason, CancellationToken cancellationToken)
    {
        var number = Next();
        await File.WriteAllBytesAsync(EmlPath(directory, number), bytes, cancellationToken);
        await AppendIndexAsync(number, folder, subject, reason, cancellationToken);
    }

    private int Next()
    {
        Directory.CreateDirectory(directory);
        return ++_count;
    }

    private Task AppendIndexAsync(int number, PstFolderStatistics folder, string? subject, string reason, CancellationToken cancellationToken)
    {
        var entry = new QuarantineEntry(number, folder.Source, folder.Destination, subject, reason, clock.GetUtcNow().UtcDateTime);
        return File.AppendAllTextAsync(Path.Combine(directory, IndexFileName), JsonSerializer.Serialize(entry, Json) + "\n", cancellationToken);
    }
}
