using System.Globalization;

namespace MLSae.Persistence;

/// <summary>
/// An exclusive claim on an output folder (a training run or an activation cache being written), so that
/// two processes given the same folder cannot both write it and silently keep only one result.
/// </summary>
/// <remarks>
/// The lock is the file <see cref="FileName"/> in the folder, held open with <see cref="FileShare.None"/>
/// (flock(LOCK_EX) on Unix, a sharing lock on Windows): the operating system releases it when the process
/// exits or crashes, so a killed process never leaves a folder locked. The holder's pid, host, purpose and
/// start time go into <see cref="OwnerFileName"/> beside it, because on Unix .NET takes a shared flock to
/// read a file and so cannot read the locked file itself. Both files are deleted on release (the lock file
/// while still locked), so a finished folder holds only its own files; a process
/// that locked a lock file just deleted by its holder notices (Linux: /proc/self/fd) and tries again.
/// </remarks>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file.</summary>
    public const string FileName = ".mlsae.lock";
    /// <summary>Who holds the lock (pid, host, purpose, since), for the error the next process gets.</summary>
    public const string OwnerFileName = ".mlsae.lock.owner";

    readonly FileStream _stream;

    FolderLock(string directory, FileStream stream)
    {
        Directory = directory;
        _stream = stream;
    }

    /// <summary>The locked folder (full path).</summary>
    public string Directory { get; }

    /// <summary>True for the lock's own files, including the owner note's temp file (folders that refuse unknown files must accept these).</summary>
    public static bool IsLockFile(string fileName) => fileName.StartsWith(FileName, StringComparison.Ordinal) || fileName.StartsWith("." + FileName, StringComparison.Ordinal);

    /// <summary>
    /// Creates <paramref name="directory"/> if needed and locks it, or throws at once (no waiting) an
    /// <see cref="IOException"/> naming the process that holds it.
    /// </summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="purpose">What this process does there ("train", "extract"), recorded for the next process's error.</param>
    public static FolderLock Acquire(string directory, string purpose)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var dir = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, FileName);
        FileStream stream;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                // Windows deletes on close atomically; elsewhere Dispose unlinks the path while the lock is still held.
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1,
                    OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && !IsDiskFull(e))
            {
                throw new IOException($"'{dir}' is in use by another mlsae process ({DescribeHolder(dir)}). " +
                    "Wait for it to finish, or choose another output folder; two processes writing one folder would keep only one result.", e);
            }
            // The holder deletes the lock file as it releases it. If that happened between our open and our lock, we hold
            // a file no longer at the path while a third process may lock a new one there: let go and try again.
            if (!IsUnlinked(stream)) break;
            stream.Dispose();
            if (attempt >= 10) throw new IOException($"'{dir}': could not lock '{path}' (it kept being replaced). Try again.");
        }
        try
        {
            var owner = string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on {Environment.MachineName}, {purpose}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
            AtomicFile.WriteAllText(Path.Combine(dir, OwnerFileName), owner + "\n");
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(owner + "\n"));
            stream.Flush();
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new FolderLock(dir, stream);
    }

    /// <summary>The holder as recorded in <see cref="OwnerFileName"/>, or a note that it could not be read.</summary>
    static string DescribeHolder(string dir)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(dir, OwnerFileName)).Trim();
            return text.Length > 0 ? text : "holder unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    /// <summary>True when the file behind <paramref name="stream"/> was deleted (Linux: /proc/self/fd shows "(deleted)"); false where that cannot be told.</summary>
    static bool IsUnlinked(FileStream stream)
    {
        if (!OperatingSystem.IsLinux()) return false;   // Windows cannot delete a file held open without FileShare.Delete
        try
        {
            var fd = stream.SafeFileHandle.DangerousGetHandle().ToInt64();
            var target = File.ResolveLinkTarget($"/proc/self/fd/{fd}", returnFinalTarget: false);
            return target?.FullName.EndsWith(" (deleted)", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 or 122 or 0x70 or 0x27;

    /// <summary>Releases the lock and deletes both files (a killed process leaves them, unlocked; the next process reuses them).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(Path.Combine(Directory, OwnerFileName));
            // Unlinked while still locked: nobody can lock this file after us, and the path is free for a new one.
            if (!OperatingSystem.IsWindows()) File.Delete(Path.Combine(Directory, FileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a leftover unlocked file is harmless */ }
        _stream.Dispose();
    }
}
