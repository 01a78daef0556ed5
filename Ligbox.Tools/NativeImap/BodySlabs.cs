namespace Ligbox.Tools.NativeImap;

/// <summary>
/// Memory for the bodies of small messages between their FETCH and their APPEND: slabs that a batch fills one body
/// after the other and gives back when its APPEND is done, for the next batch to fill again.
/// </summary>
/// <remarks>
/// One array per 5 KB body lives as long as its batch (FETCH, wait for a lane, APPEND, commit): long enough for the
/// GC to promote it, so it dies in an older generation, and those grow until a full collection. Over a mailbox of
/// 20,000 small messages that growth was most of the console's memory. A slab is big enough to live in the
/// large-object heap from the start and is reused for the whole mailbox, so small bodies allocate nothing.
/// </remarks>
internal sealed class BodySlabs(int keep)
{
    /// <summary>The size of one slab.</summary>
    public const int SlabBytes = 256 * 1024;

    /// <summary>Bodies over this get an array of their own: packed, they could leave up to this much of a slab unused.</summary>
    public const int MaxPackedBytes = SlabBytes / 4;

    private readonly FreeList<byte[]> _free = new(keep);
    private int _made;

    /// <summary>Slabs made so far (a slab given back and taken again is not made again).</summary>
    public int Made => Volatile.Read(ref _made);

    /// <summary>
    /// The slabs of one mailbox's run: its batches in flight hold at most twice its batch budget (each lane: one
    /// being fetched, one being appended), so it keeps that many, plus the part-filled last slab of each batch.
    /// </summary>
    public static BodySlabs ForMailbox(NativeImapOptions options) =>
        new((int)Math.Min(4096, (2L * options.BatchBytes / SlabBytes) + (2L * options.AppendConnectionsPerMailbox)));

    /// <summary>Space for one batch's bodies; dispose it when the batch is done with them.</summary>
    public Batch NewBatch() => new(this);

    private byte[] Take()
    {
        if (_free.TryTake(out var slab))
        {
            return slab;
        }

        Interlocked.Increment(ref _made);
        return GC.AllocateUninitializedArray<byte>(SlabBytes);
    }

    /// <summary>One batch's bodies: filled by one reader, then read by the APPEND; not thread-safe.</summary>
    internal sealed class Batch(BodySlabs owner) : IDisposable
    {
        private readonly List<byte[]> _slabs = [];
        private int _used;

        /// <summary>Room for a body of <paramref name="length"/> bytes, valid until the batch is disposed.</summary>
        public Memory<byte> Reserve(int length)
        {
            if (length > MaxPackedBytes)
            {
                return GC.AllocateUninitializedArray<byte>(length);
            }

            if (_slabs.Count == 0 || SlabBytes - _used < length)
            {
                _slabs.Add(owner.Take());
                _used = 0;
            }

            var room = _slabs[^1].AsMemory(_used, length);
            _used += length;
            return room;
        }

        /// <summary>Gives the slabs back: the bodies reserved in them must not be used after this.</summary>
        public void Dispose()
        {
            foreach (var slab in _slabs)
            {
                owner._free.TryGive(slab);
            }

            _slabs.Clear();
        }
    }
}
