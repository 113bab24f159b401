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

/// <summary>A refused store or fetch, with a message fit to show the client as is.</summary>
internal sealed class StorageException(StorageError error, string message) : Exception(message)
{
    public StorageError Error { get; } = error;
}
