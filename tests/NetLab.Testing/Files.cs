using System.Security.Cryptography;

namespace NetLab.Testing;

/// <summary>Scratch files for uploads, deleted with the instance.</summary>
public sealed class ScratchDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("netlab-scratch-").FullName;

    /// <summary>A file of seeded random bytes and its SHA-256 (lower-case hex, as sha256sum prints it).</summary>
    public (string Path, string Sha256) RandomFile(string name, int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, bytes);
        return (path, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
