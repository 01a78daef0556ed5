namespace Ligbox.Tools.NativeImap;

/// <summary>Objects kept for reuse, at most <paramref name="capacity"/> of them; thread-safe.</summary>
internal sealed class FreeList<T>(int capacity)
    where T : class
{
    private readonly Stack<T> _free = new();
    private readonly Lock _lock = new();

    /// <summary>Objects waiting for reuse.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>An object given back earlier, if there is one.</summary>
    public bool TryTake(out T item)
    {
        lock (_lock)
        {
            return _free.TryPop(out item!);
        }
    }

    /// <summary>Keeps <paramref name="item"/> for reuse; <c>false</c> when the list is full (the caller lets it go).</summary>
    public bool TryGive(T item)
    {
        lock (_lock)
        {
            if (_free.Count >= capacity)
            {
                return false;
            }

            _free.Push(item);
            return true;
        }
    }
}
