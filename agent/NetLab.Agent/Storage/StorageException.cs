using NetLab.Agent.Internet;

namespace NetLab.Agent.Storage;

/// <summary>Why a store or fetch was refused.</summary>
internal enum StorageError
{
    InvalidName,
    NotFound,
    FileTooLarge,
    StorageFull,
    TooManyFiles,
    Incomplete,
}

/// <summary>
/// A refused store or fetch, with a message fit to show the client as is. Each refusal's words are written here
/// once, for text sessions, raw transfers and HTTP alike.
/// </summary>
internal sealed class StorageException(StorageError error, string message) : Exception(message)
{
    public StorageError Error { get; } = error;

    public static StorageException InvalidName(string name) => new(StorageError.InvalidName, $"invalid file name '{name}': use {FileNames.Rule}");

    public static StorageException NotFound(string name) => new(StorageError.NotFound, $"no file named '{name}' (see /files)");

    public static StorageException TooLarge(long length, AgentLimits limits) =>
        new(StorageError.FileTooLarge, $"file too large: {length} bytes is over the per-file limit of {limits.MaxFileBytes} bytes");

    public static StorageException AddressFull(long length, SourceLimits mine) =>
        new(StorageError.StorageFull, $"storage full for your address: {length} more bytes would exceed its quota of {mine.MaxStoredBytes} bytes; delete some files (/rm NAME or curl -X DELETE)"
            + LimitAdvice.ForClass(mine));

    public static StorageException TotalFull(long length, long total, long used) =>
        new(StorageError.StorageFull, $"storage full: {length} more bytes would exceed the agent's total of {total} bytes ({used} used)");

    public static StorageException AddressTooMany(SourceLimits mine) =>
        new(StorageError.TooManyFiles, $"too many files: your address may keep {mine.MaxFiles}; delete some (/rm NAME or curl -X DELETE)" + LimitAdvice.ForClass(mine));

    public static StorageException TotalTooMany(int total) =>
        new(StorageError.TooManyFiles, $"too many files: the agent keeps at most {total} in all; try again later");

    public static StorageException MoreThanAnnounced(long announced) => new(StorageError.Incomplete, $"more bytes than announced: expected {announced}");

    public static StorageException Incomplete(long arrived, long announced) =>
        new(StorageError.Incomplete, $"transfer incomplete: {arrived} of {announced} bytes arrived; nothing was stored");
}
