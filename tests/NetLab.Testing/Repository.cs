namespace NetLab.Testing;

/// <summary>The repository the tests run from (the folder holding NetLabCloud.sln, above the test binaries).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NetLabCloud.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"NetLabCloud.sln not found above {AppContext.BaseDirectory}");
    }
}
