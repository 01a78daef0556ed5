using System.Text.Json;
using Ligbox.Core.Storage;
using Ligbox.Tools.ImapAppend;

namespace Ligbox.Core.Pst;

/// <summary>
/// The quarantine of one run: <c>{n}.eml</c> files and <c>quarantine.jsonl</c>, one <see cref="QuarantineEntry"/> a line.
/// Thread-safe: the parallel appenders of an import write to it.
/// </summary>
internal sealed class QuarantineWriter(string directory, TimeProvider clock)
{
    public const string IndexFileName = "quarantine.jsonl";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _count = Read(directory).Count;

    public static string EmlPath(string directory, int number) => Path.Combine(directory, $"{number}.eml");

    public static IReadOnlyList<QuarantineEntry> Read(string directory)
    {
        var index = Path.Combine(directory, IndexFileName);
        return File.Exists(index)
            ? File.ReadLines(index).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<QuarantineEntry>(l, Json)!).ToList()
            : [];
    }

    public Task AddFileAsync(string source, PstFolderStatistics folder, string? subject, string reason, CancellationToken cancellationToken) =>
        AddAsync(async path =>
        {
            await using var from = File.OpenRead(source);
            await using var to = PrivateFile.Open(path, FileMode.Create);
            await from.CopyToAsync(to, cancellationToken);
        }, folder, subject, reason, cancellationToken);

    public Task AddMessageAsync(AppendMessage message, PstFolderStatistics folder, string reason, CancellationToken cancellationToken) =>
        AddAsync(async path =>
        {
            await using var to = PrivateFile.Open(path, FileMode.Create);
            await message.CopyToAsync(to, cancellationToken);
        }, folder, message.Subject, reason, cancellationToken);

    private async Task AddAsync(Func<string, Task> write, PstFolderStatistics folder, string? subject, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(directory);
            var number = ++_count;
            await write(EmlPath(directory, number));
            var entry = new QuarantineEntry(number, folder.Source, folder.Destination, subject, reason, clock.GetUtcNow().UtcDateTime);
            await PrivateFile.AppendTextAsync(Path.Combine(directory, IndexFileName), JsonSerializer.Serialize(entry, Json) + "\n", cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
