using MLSae.Runtime;

namespace MLSae.Tests.Training;

/// <summary>When the trainer warns that per-step tensors will page-fault (README, Troubleshooting).</summary>
public class GlibcAllocatorTests
{
    const long Mb = 1L << 20;

    [Fact]
    public void WarnsOnlyOffTheMainThreadForLargeTensorsWithoutArenaSetting()
    {
        var notice = GlibcAllocator.SlowThreadNotice(64 * Mb, onMainThread: false, mallocArenaMax: null);
        Assert.NotNull(notice);
        Assert.Contains("MALLOC_ARENA_MAX=1", notice);
        Assert.Contains("64 MB", notice);
        Assert.Null(GlibcAllocator.SlowThreadNotice(64 * Mb, onMainThread: true, mallocArenaMax: null));
        Assert.Null(GlibcAllocator.SlowThreadNotice(64 * Mb, onMainThread: false, mallocArenaMax: "1"));
        Assert.Null(GlibcAllocator.SlowThreadNotice(16 * Mb, onMainThread: false, mallocArenaMax: null));
    }

    [Fact]
    public void ANewThreadIsNotTheMainThread()
    {
        if (!OperatingSystem.IsLinux()) return;
        bool? onMain = null;
        var t = new Thread(() => onMain = GlibcAllocator.IsMainThread());
        t.Start();
        t.Join();
        Assert.False(onMain);
    }
}
