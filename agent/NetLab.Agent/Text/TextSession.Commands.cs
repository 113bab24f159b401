using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using NetLab.Agent.Connections;
using NetLab.Agent.Storage;

namespace NetLab.Agent.Text;

public sealed partial class TextSession
{
    internal static readonly string[] HelpLines =
    [
        "Commands (anything else gets \"What?\", a line q closes the connection):",
        "  /help            this list",
        "  /whoami          your address and port as the agent sees them (behind NAT: your router's)",
        "  /time            the agent's clock, UTC",
        "  /echo            echo mode: every line comes back as sent; /echo again to leave",
        "  /join ROOM       chat: your lines go to everyone in ROOM (like ncat --chat); /leave to stop",
        "  /recv NAME [SIZE] the next connection from your address is stored raw into NAME",
        "                   (then: ncat --send-only HOST 11211 < file); with SIZE it must be exactly that long",
        "  /send NAME       the next connection from your address receives NAME (then: ncat HOST 11211 > file)",
        "  /files           stored files",
        "  /sha256 NAME     a stored file's SHA-256, as sha256sum prints it",
        "  /cat NAME        a stored file's bytes",
        "  /discard         drop everything you send until you close your side, then report bytes, time, MB/s",
        "  /source N        send N bytes (e.g. 10M) and close: measure download speed",
        "  q                quit",
    ];

    private long _sourceBytes;

    private async ValueTask<LineAction> RunCommandAsync(string text)
    {
        var space = text.IndexOf(' ');
        var command = space < 0 ? text : text[..space];
        var argument = space < 0 ? "" : text[(space + 1)..].Trim();
        switch (command)
        {
            case "/help":
                await SendAsync(HelpLines);
                break;
            case "/whoami":
                await SendAsync($"you are {Peer} as the agent sees you");
                break;
            case "/time":
                await SendAsync(_lab.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            case "/echo":
                _mode = _mode == Mode.Echo ? Mode.Chatter : Mode.Echo;
                await SendAsync(_mode == Mode.Echo
                    ? "OK echo mode: every line comes back as you sent it; /echo to leave, q to quit"
                    : "OK echo mode off");
                break;
            case "/join":
                await JoinAsync(argument);
                break;
            case "/leave":
                await LeaveAsync();
                break;
            case "/recv":
                await ArmAsync(TransferDirection.Receive, argument);
                break;
            case "/send":
                await ArmAsync(TransferDirection.Send, argument);
                break;
            case "/files":
                await ListFilesAsync();
                break;
            case "/sha256":
                await Sha256Async(argument);
                break;
            case "/cat":
                await CatAsync(argument);
                break;
            case "/discard":
                await SendAsync("OK discarding everything you send until you close your side (EOF); then I report bytes, time and MB/s");
                return LineAction.Discard;
            case "/source":
                if (!ByteSize.TryParse(argument, out _sourceBytes) || _sourceBytes > _lab.Limits.MaxGeneratedBytes)
                {
                    await SendAsync($"ERROR usage: /source N, with N a byte count up to {_lab.Limits.MaxGeneratedBytes} (e.g. 1000, 64K, 10M, 1G)");
                    break;
                }

                return LineAction.Source;
            default:
                await SendAsync($"ERROR unknown command {command}; type /help for the list");
                break;
        }

        return LineAction.Continue;
    }

    private async ValueTask JoinAsync(string room)
    {
        if (room.Length is 0 or > 64 || room.Any(char.IsWhiteSpace))
        {
            await SendAsync("ERROR usage: /join ROOM (a name of 1-64 characters, no spaces)");
            return;
        }

        await LeaveAsync(quiet: true);
        _room = room;
        _mode = Mode.Chat;
        var count = _lab.Rooms.Join(room, this);
        await SendAsync($"OK joined {room}: {count} here. Your lines go to everyone in it; /leave to stop");
        await RelayAsync($"* {Peer} joined {room}");
    }

    private async ValueTask LeaveAsync(bool quiet = false)
    {
        if (_room is null)
        {
            if (!quiet)
            {
                await SendAsync("ERROR you are not in a room (/join ROOM)");
            }

            return;
        }

        await RelayAsync($"* {Peer} left {_room}");
        _lab.Rooms.Leave(_room, this);
        if (!quiet)
        {
            await SendAsync($"OK left {_room}");
        }

        _room = null;
        _mode = Mode.Chatter;
    }

    private async ValueTask RelayAsync(string line)
    {
        foreach (var other in _lab.Rooms.Others(_room!, this))
        {
            try
            {
                await other.SendAsync(line);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                // That member is leaving; its own session cleans up.
            }
        }
    }

    private async ValueTask ArmAsync(TransferDirection direction, string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var usage = direction == TransferDirection.Receive ? "/recv NAME [SIZE]" : "/send NAME";
        if (parts.Length == 0 || parts.Length > (direction == TransferDirection.Receive ? 2 : 1))
        {
            await SendAsync($"ERROR usage: {usage}");
            return;
        }

        var name = parts[0];
        if (!FileNames.IsValid(name))
        {
            await SendAsync($"ERROR invalid file name '{name}': use {FileNames.Rule}");
            return;
        }

        long? size = null;
        if (parts.Length == 2)
        {
            if (!ByteSize.TryParse(parts[1], out var n))
            {
                await SendAsync($"ERROR usage: {usage}; SIZE is a byte count such as 1000 or 10M");
                return;
            }

            size = n;
        }

        long length = 0;
        if (direction == TransferDirection.Send)
        {
            var file = _lab.Files.List().FirstOrDefault(f => f.Name == name);
            if (file is null)
            {
                await SendAsync($"ERROR no file named '{name}' (see /files)");
                return;
            }

            length = file.Length;
        }
        else if (size > _lab.Limits.MaxFileBytes)
        {
            await SendAsync($"ERROR file too large: {size} bytes is over the per-file limit of {_lab.Limits.MaxFileBytes} bytes");
            return;
        }

        var timeout = _lab.Limits.ArmTimeout;
        _lab.Arming.Arm(Peer.Address, new ArmedTransfer(direction, name, size, _lab.Time.GetUtcNow() + timeout, message => SendAsync(message)));
        var port = _connection.LocalEndPoint is System.Net.IPEndPoint local ? local.Port : 11211;
        await SendAsync(direction == TransferDirection.Receive
            ? $"OK armed: the next connection from {Peer.Address} within {timeout.TotalSeconds:0} s is stored raw into {name}{(size is null ? "" : $" (exactly {size} bytes)")}. Try: ncat --send-only HOST {port} < FILE"
            : $"OK armed: the next connection from {Peer.Address} within {timeout.TotalSeconds:0} s receives {name} ({length} bytes). Try: ncat --recv-only HOST {port} > FILE");
    }

    private async ValueTask ListFilesAsync()
    {
        var files = _lab.Files.List();
        if (files.Count == 0)
        {
            await SendAsync("(no files; store one with /recv NAME or curl -T file http://HOST:11211/files/)");
            return;
        }

        await SendAsync(files.Select(f => $"{f.Name}\t{f.Length}\t{f.Modified:yyyy-MM-dd HH:mm:ss}Z").ToArray());
    }

    private async ValueTask Sha256Async(string name)
    {
        try
        {
            await using var file = _lab.Files.OpenRead(name);
            var hash = await SHA256.HashDataAsync(file);
            await SendAsync($"{Convert.ToHexStringLower(hash)}  {name}");
        }
        catch (StorageException e)
        {
            await SendAsync($"ERROR {e.Message}");
        }
    }

    private async ValueTask CatAsync(string name)
    {
        try
        {
            await using var file = _lab.Files.OpenRead(name);
            await _writeLock.WaitAsync();
            try
            {
                await file.CopyToAsync(_output.AsStream(leaveOpen: true));
                await _output.FlushAsync();
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (StorageException e)
        {
            await SendAsync($"ERROR {e.Message}");
        }
    }

    /// <summary>RFC 863 in spirit: read and drop until EOF, then say how fast it went.</summary>
    private async Task<SessionEnd> DiscardAsync()
    {
        long total = 0;
        Stopwatch? clock = null;
        while (true)
        {
            var result = await _input.ReadAsync(_lab.Stopping);
            if (!result.Buffer.IsEmpty)
            {
                clock ??= Stopwatch.StartNew();
                total += result.Buffer.Length;
            }

            _input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        var seconds = clock?.Elapsed.TotalSeconds ?? 0;
        var rate = seconds > 0 ? total / seconds / 1e6 : 0;
        await SendAsync(string.Create(CultureInfo.InvariantCulture,
            $"discarded {total} bytes in {seconds:F3} s: {rate:F1} MB/s (1 MB = 10^6 bytes)"));
        return SessionEnd.Closed;
    }

    private async Task<SessionEnd> SourceAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            await BytePattern.WriteAsync(_output, _sourceBytes, _lab.Stopping);
        }
        finally
        {
            _writeLock.Release();
        }

        return SessionEnd.Closed;
    }
}
