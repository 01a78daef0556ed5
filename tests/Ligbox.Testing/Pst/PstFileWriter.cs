using System.Buffers.Binary;
using System.Text;

namespace Ligbox.Testing.Pst;

/// <summary>A folder of a PST being written (below the store's top of personal folders, or below another folder).</summary>
public sealed class PstFolder
{
    internal PstFolder(uint nid, string name, uint parentNid)
    {
        Nid = nid;
        Name = name;
        ParentNid = parentNid;
    }

    internal uint Nid { get; }
    internal uint ParentNid { get; }
    public string Name { get; }
    public int Messages { get; internal set; }
    internal int Unread { get; set; }
    internal bool HasSubfolders { get; set; }
}

/// <summary>One e-mail: its internet headers are written as Outlook keeps them (PR_TRANSPORT_MESSAGE_HEADERS), the body as PR_BODY.</summary>
public sealed record PstMessage(string Subject, string From, string To, DateTimeOffset Date, string Body, bool Read = true, string? MessageId = null);

/// <summary>
/// Writes a Unicode PST file ([MS-PST]: 512-byte B-tree pages, 8 KiB blocks, no encryption) with folders of plain-text
/// e-mails, streaming: only the B-tree entries stay in memory, so it can write the 2 GB PST that no test corpus here
/// holds (issue 18's row 5). What it writes is what <c>readpst</c> (libpst) reads: the header and its two B-tree roots,
/// the node B-tree (NBT) and block B-tree (BBT), each node's property context (a heap-on-node with a one-level BTH),
/// subnodes (SLBLOCK) for values too large for the heap, and data trees (XBLOCK, XXBLOCK) for values over one block.
/// Block and page trailers carry their signature and CRC. It writes no allocation maps, no name-to-id map and no
/// folder hierarchy or contents tables (readpst builds the folder tree from the NBT's parent links): Outlook would
/// want to repair such a file; it is a test and benchmark fixture.
/// </summary>
public sealed class PstFileWriter : IDisposable
{
    private const int MaxBlockData = 8176;      // 8192 - the 16-byte block trailer
    private const int MaxHeapValue = 3580;      // larger values go to a subnode
    private const int PageSize = 512;
    private const long FirstBlockOffset = 0x4600; // after the header and where the first allocation map would be
    private const uint NidMessageStore = 0x21;
    private const uint NidRootFolder = 0x122;

    private readonly FileStream _file;
    private readonly List<BbtEntry> _blocks = [];
    private readonly List<NbtEntry> _nodes = [];
    private readonly List<PstFolder> _folders = [];
    private readonly PstFolder _top;
    private readonly string _storeName;
    private ulong _nextBlock = 1;
    private ulong _nextPage = 1;
    private uint _nextFolderIndex = 0x401;
    private uint _nextMessageIndex = 0x10000;
    private bool _completed;

    public PstFileWriter(string path, string storeName = "Personal Folders")
    {
        _storeName = storeName;
        _file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        _file.SetLength(FirstBlockOffset);
        _file.Position = FirstBlockOffset;
        _top = new PstFolder(FolderNid(_nextFolderIndex++), "Top of Personal Folders", NidRootFolder);
    }

    /// <summary>Bytes written so far (the file's size once completed, give or take the B-tree pages).</summary>
    public long Length => _file.Position;

    /// <summary>Adds a folder below <paramref name="parent"/>, or below the top of personal folders.</summary>
    public PstFolder AddFolder(string name, PstFolder? parent = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var owner = parent ?? _top;
        owner.HasSubfolders = true;
        var folder = new PstFolder(FolderNid(_nextFolderIndex++), name, owner.Nid);
        _folders.Add(folder);
        return folder;
    }

    /// <summary>Appends one e-mail to <paramref name="folder"/>; its blocks are written at once.</summary>
    public void AddMessage(PstFolder folder, PstMessage message)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var date = message.Date.ToUniversalTime();
        var messageId = message.MessageId ?? $"<{_nextMessageIndex}.{date.ToUnixTimeSeconds()}@pst.ligbox.test>";
        var headers = new StringBuilder()
            .Append("Return-Path: <").Append(message.From).Append(">\r\n")
            .Append("Received: from mx.ligbox.test by pst.ligbox.test; ").Append(date.ToString("r")).Append("\r\n")
            .Append("From: ").Append(message.From).Append("\r\n")
            .Append("To: ").Append(message.To).Append("\r\n")
            .Append("Subject: ").Append(message.Subject).Append("\r\n")
            .Append("Date: ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Message-ID: ").Append(messageId).Append("\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=\"utf-8\"\r\n")
            .Append("\r\n")
            .ToString();
        var pc = new PropertyContext()
            .Unicode(0x001A, "IPM.Note")
            .Unicode(0x0037, message.Subject)
            .Time(0x0039, date)
            .Unicode(0x0042, message.From)
            .Unicode(0x007D, headers)
            .Unicode(0x0C1A, message.From)
            .Unicode(0x0C1F, message.From)
            .Unicode(0x0E04, message.To)
            .Time(0x0E06, date)
            .Int32(0x0E07, message.Read ? 1 : 0)
            .Int32(0x0E08, headers.Length + message.Body.Length)
            .Unicode(0x1000, message.Body)
            .Unicode(0x1035, messageId);
        var nid = (_nextMessageIndex++ << 5) | 0x04;
        WriteNode(nid, folder.Nid, pc);
        folder.Messages++;
        if (!message.Read)
        {
            folder.Unread++;
        }
    }

    /// <summary>Writes the folders, the message store, both B-trees and the header; returns the file's size.</summary>
    public long Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        WriteNode(NidMessageStore, 0, new PropertyContext()
            .Binary(0x0FF9, StoreRecordKey)
            .Unicode(0x3001, _storeName)
            .Int32(0x35DF, 0x89)
            .Binary(0x35E0, EntryId(_top.Nid)));
        WriteNode(NidRootFolder, NidRootFolder, FolderContext("Root", 0, 0, hasSubfolders: true));
        WriteNode(_top.Nid, NidRootFolder, FolderContext(_top.Name, 0, 0, _top.HasSubfolders));
        foreach (var folder in _folders)
        {
            WriteNode(folder.Nid, folder.ParentNid, FolderContext(folder.Name, folder.Messages, folder.Unread, folder.HasSubfolders));
        }

        _nodes.Sort((a, b) => a.Nid.CompareTo(b.Nid));
        _blocks.Sort((a, b) => a.Bid.CompareTo(b.Bid));
        AlignTo(PageSize);
        var bbt = WriteTree(_blocks.Count, i => _blocks[i].Bid, 24, (i, span) =>
        {
            var b = _blocks[i];
            BinaryPrimitives.WriteUInt64LittleEndian(span, b.Bid);
            BinaryPrimitives.WriteUInt64LittleEndian(span[8..], b.Offset);
            BinaryPrimitives.WriteUInt16LittleEndian(span[16..], b.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 2);
        }, pageType: 0x80);
        var nbt = WriteTree(_nodes.Count, i => _nodes[i].Nid, 32, (i, span) =>
        {
            var n = _nodes[i];
            BinaryPrimitives.WriteUInt64LittleEndian(span, n.Nid);
            BinaryPrimitives.WriteUInt64LittleEndian(span[8..], n.Data);
            BinaryPrimitives.WriteUInt64LittleEndian(span[16..], n.Sub);
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], n.Parent);
        }, pageType: 0x81);
        var eof = _file.Position;
        WriteHeader(eof, nbt, bbt);
        _file.Flush();
        return eof;
    }

    public void Dispose() => _file.Dispose();

    private static uint FolderNid(uint index) => (index << 5) | 0x02;

    private static readonly byte[] StoreRecordKey = [0x4C, 0x69, 0x67, 0x62, 0x6F, 0x78, 0x2D, 0x50, 0x53, 0x54, 0x2D, 0x73, 0x74, 0x6F, 0x72, 0x65];

    private static byte[] EntryId(uint nid)
    {
        var id = new byte[24];
        StoreRecordKey.CopyTo(id, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(id.AsSpan(20), nid);
        return id;
    }

    private static PropertyContext FolderContext(string name, int count, int unread, bool hasSubfolders) => new PropertyContext()
        .Unicode(0x3001, name)
        .Int32(0x3602, count)
        .Int32(0x3603, unread)
        .Bool(0x360A, hasSubfolders)
        .Unicode(0x3613, "IPF.Note");

    private void WriteNode(uint nid, uint parent, PropertyContext pc)
    {
        var subnodes = new List<(uint Nid, ulong Bid)>();
        var heap = pc.Build(value =>
        {
            var subnode = ((uint)(subnodes.Count + 1) << 5) | 0x1F;
            subnodes.Add((subnode, WriteData(value)));
            return subnode;
        });
        var data = WriteBlock(heap, internalBlock: false);
        ulong sub = 0;
        if (subnodes.Count > 0)
        {
            var sl = new byte[8 + (24 * subnodes.Count)];
            sl[0] = 0x02;
            BinaryPrimitives.WriteUInt16LittleEndian(sl.AsSpan(2), (ushort)subnodes.Count);
            for (var i = 0; i < subnodes.Count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(sl.AsSpan(8 + (24 * i)), subnodes[i].Nid);
                BinaryPrimitives.WriteUInt64LittleEndian(sl.AsSpan(16 + (24 * i)), subnodes[i].Bid);
            }

            sub = WriteBlock(sl, internalBlock: true);
        }

        _nodes.Add(new NbtEntry(nid, data, sub, parent));
    }

    /// <summary>A value of any size: one data block, an XBLOCK of data blocks, or an XXBLOCK of XBLOCKs.</summary>
    private ulong WriteData(ReadOnlySpan<byte> value)
    {
        if (value.Length <= MaxBlockData)
        {
            return WriteBlock(value, internalBlock: false);
        }

        const int perXBlock = (MaxBlockData - 8) / 8;
        var dataBids = new List<ulong>();
        for (var at = 0; at < value.Length; at += MaxBlockData)
        {
            dataBids.Add(WriteBlock(value.Slice(at, Math.Min(MaxBlockData, value.Length - at)), internalBlock: false));
        }

        var xblocks = new List<ulong>();
        for (var i = 0; i < dataBids.Count; i += perXBlock)
        {
            var part = dataBids.Skip(i).Take(perXBlock).ToList();
            var bytes = (long)Math.Min(value.Length - ((long)i * MaxBlockData), (long)part.Count * MaxBlockData);
            xblocks.Add(WriteIndexBlock(level: 1, part, (uint)bytes));
        }

        return xblocks.Count == 1 ? xblocks[0] : WriteIndexBlock(level: 2, xblocks, (uint)value.Length);
    }

    private ulong WriteIndexBlock(byte level, List<ulong> bids, uint totalBytes)
    {
        var block = new byte[8 + (8 * bids.Count)];
        block[0] = 0x01;
        block[1] = level;
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2), (ushort)bids.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(4), totalBytes);
        for (var i = 0; i < bids.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(8 + (8 * i)), bids[i]);
        }

        return WriteBlock(block, internalBlock: true);
    }

    private ulong WriteBlock(ReadOnlySpan<byte> data, bool internalBlock)
    {
        if (data.Length > MaxBlockData)
        {
            throw new ArgumentOutOfRangeException(nameof(data), "a PST block holds at most 8176 bytes");
        }

        var bid = (_nextBlock++ << 2) | (internalBlock ? 2UL : 0UL);
        var offset = (ulong)_file.Position;
        var total = (data.Length + 16 + 63) / 64 * 64;
        Span<byte> rest = stackalloc byte[total - data.Length];
        rest.Clear();
        var trailer = rest[^16..];
        BinaryPrimitives.WriteUInt16LittleEndian(trailer, (ushort)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(trailer[2..], Signature(offset, bid));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], Crc(data));
        BinaryPrimitives.WriteUInt64LittleEndian(trailer[8..], bid);
        _file.Write(data);
        _file.Write(rest);
        _blocks.Add(new BbtEntry(bid, offset, (ushort)data.Length));
        return bid;
    }

    /// <summary>Writes a B-tree bottom up (leaves, then levels of BTENTRY pages) and returns its root.</summary>
    private (ulong Bid, ulong Offset) WriteTree(int count, Func<int, ulong> key, int leafEntrySize, Action<int, Span<byte>> writeLeafEntry, byte pageType)
    {
        var level = new List<(ulong Key, ulong Bid, ulong Offset)>();
        var perLeaf = 488 / leafEntrySize;
        for (var start = 0; start < Math.Max(count, 1); start += perLeaf)
        {
            var n = Math.Min(perLeaf, count - start);
            var page = new byte[PageSize];
            for (var i = 0; i < n; i++)
            {
                writeLeafEntry(start + i, page.AsSpan(i * leafEntrySize, leafEntrySize));
            }

            level.Add(WritePage(page, n, perLeaf, leafEntrySize, cLevel: 0, pageType, n > 0 ? key(start) : 0));
        }

        byte depth = 0;
        while (level.Count > 1)
        {
            depth++;
            var upper = new List<(ulong Key, ulong Bid, ulong Offset)>();
            for (var start = 0; start < level.Count; start += 20)
            {
                var n = Math.Min(20, level.Count - start);
                var page = new byte[PageSize];
                for (var i = 0; i < n; i++)
                {
                    var child = level[start + i];
                    BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(i * 24), child.Key);
                    BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan((i * 24) + 8), child.Bid);
                    BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan((i * 24) + 16), child.Offset);
                }

                upper.Add(WritePage(page, n, 20, 24, depth, pageType, level[start].Key));
            }

            level = upper;
        }

        return (level[0].Bid, level[0].Offset);
    }

    private (ulong Key, ulong Bid, ulong Offset) WritePage(byte[] page, int entries, int maxEntries, int entrySize, byte cLevel, byte pageType, ulong firstKey)
    {
        var bid = _nextPage++ << 2;
        var offset = (ulong)_file.Position;
        page[488] = (byte)entries;
        page[489] = (byte)maxEntries;
        page[490] = (byte)entrySize;
        page[491] = cLevel;
        page[496] = pageType;
        page[497] = pageType;
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(498), Signature(offset, bid));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(500), Crc(page.AsSpan(0, 496)));
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(504), bid);
        _file.Write(page);
        return (firstKey, bid, offset);
    }

    private void WriteHeader(long eof, (ulong Bid, ulong Offset) nbt, (ulong Bid, ulong Offset) bbt)
    {
        var h = new byte[564];
        "!BDN"u8.CopyTo(h);
        "SM"u8.CopyTo(h.AsSpan(8));
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(10), 23);  // Unicode
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(12), 19);
        h[14] = 1;
        h[15] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(32), _nextPage << 2);
        for (var type = 0; type < 32; type++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(44 + (4 * type)), 0x400);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(44 + (4 * 2)), _nextFolderIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(44 + (4 * 4)), _nextMessageIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(184), (ulong)eof);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(216), nbt.Bid);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(224), nbt.Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(232), bbt.Bid);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(240), bbt.Offset);
        h.AsSpan(256, 256).Fill(0xFF);   // rgbFM, rgbFP
        h[512] = 0x80;                   // bSentinel
        h[513] = 0;                      // bCryptMethod: none
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(516), _nextBlock << 2);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), Crc(h.AsSpan(8, 471)));
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(524), Crc(h.AsSpan(8, 516)));
        _file.Position = 0;
        _file.Write(h);
        _file.Position = eof;
    }

    private void AlignTo(int alignment)
    {
        var pad = (int)((alignment - (_file.Position % alignment)) % alignment);
        _file.Write(new byte[pad]);
    }

    private static ushort Signature(ulong offset, ulong bid)
    {
        var value = offset ^ bid;
        return (ushort)((ushort)(value >> 16) ^ (ushort)value);
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }

    /// <summary>[MS-PST] 5.3: the CRC-32 table, starting from 0, with no final inversion.</summary>
    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private readonly record struct BbtEntry(ulong Bid, ulong Offset, ushort Size);

    private readonly record struct NbtEntry(uint Nid, ulong Data, ulong Sub, uint Parent);

    /// <summary>A property context: a heap-on-node whose user root is a BTH of 2-byte property ids and 6-byte values.</summary>
    private sealed class PropertyContext
    {
        private readonly SortedList<ushort, (ushort Type, uint Inline, byte[]? Value)> _props = [];

        public PropertyContext Int32(ushort id, int value) => Add(id, 0x0003, (uint)value, null);

        public PropertyContext Bool(ushort id, bool value) => Add(id, 0x000B, value ? 1u : 0u, null);

        public PropertyContext Time(ushort id, DateTimeOffset value)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value.ToFileTime());
            return Add(id, 0x0040, 0, bytes);
        }

        public PropertyContext Unicode(ushort id, string value) => Add(id, 0x001F, 0, Encoding.Unicode.GetBytes(value));

        public PropertyContext Binary(ushort id, byte[] value) => Add(id, 0x0102, 0, value);

        private PropertyContext Add(ushort id, ushort type, uint inline, byte[]? value)
        {
            _props.Add(id, (type, inline, value));
            return this;
        }

        /// <summary>The heap's bytes; <paramref name="toSubnode"/> stores a value too large for the heap and returns its subnode id.</summary>
        public byte[] Build(Func<byte[], uint> toSubnode)
        {
            // Values that do not fit go to subnodes, largest first, until the heap fits one block.
            var inHeap = _props.Where(p => p.Value.Value is { Length: > 0 and <= MaxHeapValue }).Select(p => p.Key).ToHashSet();
            while (HeapSize(inHeap) > MaxBlockData)
            {
                inHeap.Remove(inHeap.MaxBy(id => _props[id].Value!.Length));
            }

            var allocations = new List<byte[]>();
            var records = new byte[8 * _props.Count];
            allocations.Add([0xB5, 2, 6, 0, 0, 0, 0, 0]);
            if (_props.Count > 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(allocations[0].AsSpan(4), 2u << 5);
            }

            allocations.Add(records);
            var i = 0;
            foreach (var (id, (type, inline, value)) in _props)
            {
                var record = records.AsSpan(8 * i++);
                BinaryPrimitives.WriteUInt16LittleEndian(record, id);
                BinaryPrimitives.WriteUInt16LittleEndian(record[2..], type);
                uint hnid;
                if (value is null)
                {
                    hnid = inline;
                }
                else if (value.Length == 0)
                {
                    hnid = 0;
                }
                else if (inHeap.Contains(id))
                {
                    allocations.Add(value);
                    hnid = (uint)allocations.Count << 5;
                }
                else
                {
                    hnid = toSubnode(value);
                }

                BinaryPrimitives.WriteUInt32LittleEndian(record[4..], hnid);
            }

            var dataEnd = 12 + allocations.Sum(a => a.Length);
            var pageMap = dataEnd + (dataEnd % 2);
            var heap = new byte[pageMap + 4 + (2 * (allocations.Count + 1))];
            BinaryPrimitives.WriteUInt16LittleEndian(heap, (ushort)pageMap);
            heap[2] = 0xEC;
            heap[3] = 0xBC;
            BinaryPrimitives.WriteUInt32LittleEndian(heap.AsSpan(4), 1u << 5);
            BinaryPrimitives.WriteUInt16LittleEndian(heap.AsSpan(pageMap), (ushort)allocations.Count);
            var at = 12;
            for (var a = 0; a < allocations.Count; a++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(heap.AsSpan(pageMap + 4 + (2 * a)), (ushort)at);
                allocations[a].CopyTo(heap, at);
                at += allocations[a].Length;
            }

            BinaryPrimitives.WriteUInt16LittleEndian(heap.AsSpan(pageMap + 4 + (2 * allocations.Count)), (ushort)at);
            return heap;
        }

        private int HeapSize(HashSet<ushort> inHeap) =>
            12 + 8 + (8 * _props.Count) + inHeap.Sum(id => _props[id].Value!.Length) + 1 + 4 + (2 * (inHeap.Count + 3));
    }
}
