using System.Text.Json;

namespace NetLab.Infra.Tests.Boot;

/// <summary>
/// What cfn-init does with the instance's AWS::CloudFormation::Init metadata, done on the rehearsal host:
/// the default config set's configs in order, and in each the keys in cfn-init's order (packages, groups,
/// users, sources, files, commands, services), commands by name. The real cfn-init is a Python tool from
/// Amazon that is not packaged for Debian nor reachable here, so this applier stands in for it; anything in
/// the metadata it does not know fails the rehearsal, rather than being skipped.
/// </summary>
internal sealed class CloudFormationInit(BootedHost host, string root, Func<string, string> sourceFolder)
{
    /// <summary>Amazon Linux package names, and the command each must put on the host (the cached root has Debian's packages for them).</summary>
    private static readonly Dictionary<string, string> YumPackages = new() { ["nmap-ncat"] = "ncat" };

    private static readonly string[] Order = ["packages", "groups", "users", "sources", "files", "commands", "services"];

    /// <summary>What was done, one line per step, for the test's messages.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Applies the metadata; returns the first failing command's exit code and output, or (0, "").</summary>
    public (int Code, string Output) Apply(JsonElement init)
    {
        foreach (var configName in init.GetProperty("configSets").GetProperty("default").EnumerateArray().Select(c => c.GetString()!))
        {
            var config = init.GetProperty(configName);
            foreach (var key in config.EnumerateObject().Select(p => p.Name))
            {
                Assert.True(Order.Contains(key), $"the rehearsal's cfn-init does not know '{key}' (in config {configName}): teach it, do not skip it");
            }

            foreach (var key in Order.Where(k => config.TryGetProperty(k, out _)))
            {
                var section = config.GetProperty(key);
                var failed = key switch
                {
                    "packages" => Packages(section),
                    "groups" => Groups(section),
                    "users" => Users(section),
                    "sources" => Sources(section),
                    "files" => Files(section),
                    "commands" => Commands(section),
                    _ => throw new InvalidOperationException($"the rehearsal's cfn-init does not do '{key}' yet"),
                };
                if (failed is { } failure)
                {
                    return failure;
                }
            }
        }

        return (0, "");
    }

    private (int, string)? Packages(JsonElement packages)
    {
        foreach (var manager in packages.EnumerateObject())
        {
            Assert.True(manager.Name == "yum", $"packages from {manager.Name}: the lab host is Amazon Linux (yum)");
            foreach (var package in manager.Value.EnumerateObject())
            {
                Assert.True(YumPackages.TryGetValue(package.Name, out var command), $"no stand-in for the yum package {package.Name}: add it to the rehearsal's root file system");
                host.Must($"command -v {command}");
                Log.Add($"package {package.Name}: {command} is there");
            }
        }

        return null;
    }

    private (int, string)? Groups(JsonElement groups)
    {
        foreach (var group in groups.EnumerateObject())
        {
            Assert.Equal(JsonValueKind.Object, group.Value.ValueKind);
            var gid = group.Value.TryGetProperty("gid", out var g) ? $" -g {g}" : "";
            host.Must($"getent group {group.Name} >/dev/null || groupadd{gid} {group.Name}");
            Log.Add($"group {group.Name}");
        }

        return null;
    }

    private (int, string)? Users(JsonElement users)
    {
        foreach (var user in users.EnumerateObject())
        {
            // cfn-init makes non-interactive users: no login shell.
            var groups = user.Value.TryGetProperty("groups", out var g) ? string.Join(',', g.EnumerateArray().Select(x => x.GetString())) : "";
            var home = user.Value.TryGetProperty("homeDir", out var h) ? h.GetString() : null;
            var uid = user.Value.TryGetProperty("uid", out var u) ? $" -u {u}" : "";
            host.Must($"id {user.Name} >/dev/null 2>&1 || useradd -M -N -s /sbin/nologin{uid}{(home is null ? "" : $" -d {home}")}{(groups.Length == 0 ? "" : $" -G {groups}")} {user.Name}");
            Log.Add($"user {user.Name} (groups {groups}, home {home})");
        }

        return null;
    }

    /// <summary>The asset (a zip in S3) unpacked at its path; an unzip keeps no file modes, so files come out 0644 (the install's chmod matters).</summary>
    private (int, string)? Sources(JsonElement sources)
    {
        foreach (var source in sources.EnumerateObject())
        {
            var url = source.Value.ValueKind == JsonValueKind.String ? source.Value.GetString()! : source.Value.GetProperty("Fn::Sub").GetString()!;
            var folder = sourceFolder(url);
            var target = Inside(source.Name);
            Directory.CreateDirectory(target);
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var destination = Path.Combine(target, Path.GetRelativePath(folder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination, overwrite: true);
                File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            Log.Add($"source {source.Name} <- {url}");
        }

        return null;
    }

    private (int, string)? Files(JsonElement files)
    {
        foreach (var file in files.EnumerateObject())
        {
            var spec = file.Value;
            Assert.True(spec.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String, $"{file.Name}: only plain string content is rehearsed");
            if (spec.TryGetProperty("encoding", out var encoding))
            {
                Assert.Equal("plain", encoding.GetString());
            }

            var path = Inside(file.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content.GetString());
            var mode = spec.TryGetProperty("mode", out var m) ? Convert.ToInt32(m.GetString(), 8) : 0b110_100_100;
            File.SetUnixFileMode(path, (UnixFileMode)mode);
            var owner = spec.TryGetProperty("owner", out var o) ? o.GetString() : "root";
            var group = spec.TryGetProperty("group", out var gr) ? gr.GetString() : "root";
            host.Must($"chown {owner}:{group} '{file.Name}'");
            Log.Add($"file {file.Name} mode {Convert.ToString(mode, 8)}");
        }

        return null;
    }

    private (int, string)? Commands(JsonElement commands)
    {
        foreach (var command in commands.EnumerateObject().OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            foreach (var key in command.Value.EnumerateObject().Select(p => p.Name))
            {
                Assert.True(key is "command", $"command {command.Name}: the rehearsal does not do '{key}' yet");
            }

            var text = command.Value.GetProperty("command").GetString()!;
            var (code, output) = host.Run(text, timeoutSeconds: 240);
            Log.Add($"command {command.Name}: exit {code}");
            if (code != 0)
            {
                return (code, $"command {command.Name} ({text}) exited {code}:\n{output}");
            }
        }

        return null;
    }

    private string Inside(string path) => Path.Combine(root, path.TrimStart('/'));
}
