using System.IO.MemoryMappedFiles;

namespace MLSae.Activations.Cache;

/// <summary>A read-only memory map of a whole file, read by element offset into spans.</summary>
sealed class MappedFile : IDisposable
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;

    public MappedFile(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.RandomAccess);
        try
        {
            Length = fs.Length;
            _map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
    }

    public long Length { get; }

    /// <summary>Copies elements [<paramref name="firstElement"/>, + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read<T>(long firstElement, Span<T> destination) where T : unmanaged
    {
        long size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        long byteOffset = firstElement * size;
        if (byteOffset < 0 || byteOffset + destination.Length * size > Length)
            throw new ArgumentOutOfRangeException(nameof(firstElement));
        _view.SafeMemoryMappedViewHandle.ReadSpan((ulong)(byteOffset + _view.PointerOffset), destination);
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
