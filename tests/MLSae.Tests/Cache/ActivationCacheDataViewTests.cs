using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations.Cache;
using MLSae.Activations.Data;

namespace MLSae.Tests.Cache;

public class ActivationCacheDataViewTests
{
    const int D = 8;

    public sealed class TokenRow
    {
        [VectorType(D)] public float[] Activation { get; set; } = [];
        public int TokenId { get; set; }
        public long DocumentId { get; set; }
        public int Position { get; set; }
    }

    [Theory]
    [InlineData(ActivationDType.Float32)]
    [InlineData(ActivationDType.BFloat16)]
    public void RowsEqualTheSource(ActivationDType dtype)
    {
        const int rows = 2345; // more than one cursor block and several shards
        var dir = CacheTestData.Write(rows, D, CacheTestData.Options(D, dtype, rowsPerShard: 1000));
        var ml = new MLContext(seed: 1);
        var view = ml.Data.LoadFromActivationCache(dir);
        Assert.Equal(rows, view.GetRowCount());
        var col = view.Schema["Activation"];
        var vt = Assert.IsType<VectorDataViewType>(col.Type);
        Assert.Equal(D, vt.Size);
        Assert.Equal(NumberDataViewType.Single, vt.ItemType);

        int i = 0;
        foreach (var row in ml.Data.CreateEnumerable<TokenRow>(view, reuseRowObject: false))
        {
            Assert.Equal(CacheTestData.TokenId(i), row.TokenId);
            Assert.Equal(CacheTestData.DocumentId(i), row.DocumentId);
            Assert.Equal(CacheTestData.Position(i), row.Position);
            for (int j = 0; j < D; j++)
            {
                double x = CacheTestData.Value(i, j);
                // f32 exact; bf16 within half an ulp of 8 significant bits (relative 2^-8), subnormals aside
                double tol = dtype == ActivationDType.Float32 ? 0 : Math.Abs(x) * Math.Pow(2, -8) + 1e-38;
                Assert.True(Math.Abs(row.Activation[j] - x) <= tol, $"row {i} col {j}: {row.Activation[j]} vs {x}");
            }
            i++;
        }
        Assert.Equal(rows, i);
        view.Cache.Dispose();
    }

    [Fact]
    public void CursorReadsOnlyRequestedColumns()
    {
        using var cache = ActivationCache.Open(CacheTestData.Write(30, D));
        var view = new ActivationCacheDataView(cache);
        using var cursor = view.GetRowCursor([view.Schema["DocumentId"]]);
        Assert.False(cursor.IsColumnActive(view.Schema["Activation"]));
        var get = cursor.GetGetter<long>(view.Schema["DocumentId"]);
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(view.Schema["Activation"]));
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<int>(view.Schema["DocumentId"]));
        long n = 0, v = 0;
        while (cursor.MoveNext())
        {
            get(ref v);
            Assert.Equal(CacheTestData.DocumentId(n), v);
            Assert.Equal(n, cursor.Position);
            n++;
        }
        Assert.Equal(30, n);
    }
}
