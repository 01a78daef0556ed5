using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

public sealed class BodySlabsTests
{
    [Fact]
    public void SmallBodies_ArePackedOneAfterTheOther_AndAreTheirOwnBytes()
    {
        var slabs = new BodySlabs(keep: 4);
        using var batch = slabs.NewBatch();

        var first = batch.Reserve(5_000);
        var second = batch.Reserve(7_000);
        first.Span.Fill(1);
        second.Span.Fill(2);

        Assert.Equal(1, slabs.Made);
        Assert.Equal(5_000, first.Length);
        Assert.Equal(7_000, second.Length);
        Assert.All(first.ToArray(), b => Assert.Equal(1, b));
        Assert.All(second.ToArray(), b => Assert.Equal(2, b));
    }

    [Fact]
    public void ABodyThatDoesNotFit_StartsANewSlab_AndABigOneGetsItsOwnArray()
    {
        var slabs = new BodySlabs(keep: 4);
        using var batch = slabs.NewBatch();

        for (var i = 0; i < BodySlabs.SlabBytes / BodySlabs.MaxPackedBytes; i++)
        {
            batch.Reserve(BodySlabs.MaxPackedBytes);
        }

        Assert.Equal(1, slabs.Made);
        batch.Reserve(1);
        Assert.Equal(2, slabs.Made);

        var big = batch.Reserve(BodySlabs.MaxPackedBytes + 1);
        Assert.Equal(2, slabs.Made);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(big, out var segment));
        Assert.Equal(BodySlabs.MaxPackedBytes + 1, segment.Array!.Length);
    }

    [Fact]
    public void TheNextBatch_ReusesTheSlabsGivenBack_UpToWhatThePoolKeeps()
    {
        var slabs = new BodySlabs(keep: 2);
        var perSlab = BodySlabs.SlabBytes / BodySlabs.MaxPackedBytes;
        void Fill(BodySlabs.Batch batch, int slabCount)
        {
            for (var i = 0; i < slabCount * perSlab; i++)
            {
                batch.Reserve(BodySlabs.MaxPackedBytes);
            }
        }

        var first = slabs.NewBatch();
        Fill(first, 3);
        Assert.Equal(3, slabs.Made);
        first.Dispose();

        using var second = slabs.NewBatch();
        Fill(second, 2);
        Assert.Equal(3, slabs.Made);
        Fill(second, 1);
        Assert.Equal(4, slabs.Made);
    }
}
