using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using NetLab.Agent.Connections;
using NetLab.Agent.Listening;
using NetLab.Agent.Storage;
using NetLab.Agent.Transfers;

namespace NetLab.Agent.Text;

internal sealed partial class TextSession
{
    private long _sourceBytes;

    /// <summary>
    /// Every command the session knows, in /help's order: its name, what it takes, its help (null: not listed, as
    /// /listen, which only <c>netlab-agent listen</c> on the host sends), and what it does. In help, <c>{port}</c>
    /// is the agent's real port and <c>{max}</c> the largest generated reply.
    /// </summary>
    private static readonly Command[] Commands =
    [
        new("/help", "", ["this list"], (s, _) => Then(s.WriteLinesAsync(HelpLines(s._services.Port, s._services.Limits)))),
        new("/whoami", "", ["your address and port as the agent sees them (behind NAT: your router's)"], (s, _) => Then(s.WriteLinesAsync($"you are {s.Peer} as the agent sees you"))),
        new("/time", "", ["the agent's clock, UTC"], (s, _) => Then(s.WriteLinesAsync(s._services.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)))),
        new("/echo", "", ["echo mode: every line comes back as sent; /echo again to leave"], (s, _) => Then(s.ToggleEchoAsync())),
        new("/join", "ROOM", ["chat: your lines go to everyone in ROOM (like ncat --chat); /leave to stop"], (s, room) => Then(s.JoinAsync(room))),
        new("/leave", "", null, (s, _) => Then(s.LeaveAsync())),
        new("/recv", "NAME [SIZE]",
            ["the next connection from your address that sends at once is stored raw into NAME", "(then: ncat --send-only HOST {port} < FILE); with SIZE it must be exactly that long"],
            (s, argument) => Then(s.ArmAsync(TransferDirection.Receive, argument))),
        new("/send", "NAME",
            ["the next connection from your address that closes its sending side at once gets NAME", "(then: ncat HOST {port} < /dev/null > FILE)"],
            (s, argument) => Then(s.ArmAsync(TransferDirection.Send, argument))),
        new("/files", "", ["your stored files (a file belongs to the address that stored it)"], (s, _) => Then(s.ListFilesAsync())),
        new("/sha256", "NAME", ["a stored file's SHA-256, as sha256sum prints it"], (s, name) => Then(s.WithFileAsync("/sha256", name, s.Sha256Async))),
        new("/cat", "NAME", ["a stored file's bytes"], (s, name) => Then(s.WithFileAsync("/cat", name, s.CatAsync))),
        new("/rm", "NAME", ["delete a stored file"], (s, name) => Then(s.WithFileAsync("/rm", name, s.RemoveAsync))),
        new("/wire", "", ["this connection's packets so far, as the agent's capture saw them: a ladder of SYN, ACK, data, FIN"], (s, _) => Then(s.WireAsync())),
        new("/discard", "", ["drop everything you send until you close your side, then report bytes, time, MB/s"], (s, _) => s.StartDiscardAsync()),
        new("/source", "N", ["send N bytes (e.g. 10M; at most {max}) and close: measure download speed"], (s, count) => s.StartSourceAsync(count)),
        new("/listen", "ADDRESS", null, (s, address) => s.ListenAsync(address)),
    ];

    private static readonly Dictionary<string, Command> ByName = Commands.ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>Every command's name (the sniffer takes a connection that starts with one for a session).</summary>
    internal static readonly string[] CommandNames = [.. Commands.Select(c => c.Name)];

    /// <summary>The /help list, from <see cref="Commands"/>, with the agent's real port in its examples.</summary>
    internal static string[] HelpLines(int port, AgentLimits limits) =>
    [
        "Commands (anything else gets \"What?\"; a line q closes the connection):",
        .. Commands.Where(c => c.Help is not null).SelectMany(c => c.Help!.Select((line, i) =>
            (i == 0 ? $"  {(c.Name + " " + c.Arguments).TrimEnd(),-17}  " : new string(' ', 21))
            + line.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                  .Replace("{max}", ByteSize.Format(limits.MaxGeneratedBytes), StringComparison.Ordinal))),
        "  q                  quit",
    ];

    private async ValueTask<LineAction> RunCommandAsync(string text)
    {
        var space = text.IndexOf(' ');
        var name = space < 0 ? text : text[..space];
        var argument = space < 0 ? "" : text[(space + 1)..].Trim();
        if (!ByName.TryGetValue(name, out var command))
        {
            await WriteLinesAsync($"ERROR unknown command {name}; type /help for the list");
            return LineAction.Continue;
        }

        return await command.Run(this, argument);
    }

    /// <summary>A command that answers and leaves the session as it was.</summary>
    private static async ValueTask<LineAction> Then(ValueTask answering)
    {
        await answering;
        return LineAction.Continue;
    }

    private ValueTask ToggleEchoAsync()
    {
        _mode = _mode == Mode.Echo ? Mode.Chatter : Mode.Echo;
        return WriteLinesAsync(_mode == Mode.Echo
            ? "OK echo mode: every line comes back as you sent it; /echo to leave, q to quit"
            : "OK echo mode off");
    }

    private async ValueTask<LineAction> StartDiscardAsync()
    {
        await WriteLinesAsync("OK discarding everything you send until you close your side (EOF); then I report bytes, time and MB/s");
        return LineAction.Discard;
    }

    private async ValueTask<LineAction> StartSourceAsync(string argument)
    {
        if (!ByteSize.TryParse(argument, out _sourceBytes) || _sourceBytes > _services.Limits.MaxGeneratedBytes)
        {
            await WriteLinesAsync($"ERROR usage: /source N, with N a byte count up to {ByteSize.Format(_services.Limits.MaxGeneratedBytes)} (e.g. 1000, 64K, 10M)");
            return LineAction.Continue;
        }

        return await ReserveAsync(_sourceBytes) ? LineAction.Source : LineAction.Continue;
    }

    /// <summary>/wire: the ladder of this session's own TCP connection (its client address and port), or why capture is off.</summary>
    private ValueTask WireAsync()
    {
        var capture = _services.Capture;
        if (capture.Off is { } off)
        {
            return WriteLinesAsync(off);
        }

        var packets = capture.Read(Peer.Address, port: Peer.Port, protocol: NetLab.Wire.WireProtocol.Tcp);
        return WriteLinesAsync([.. NetLab.Wire.Ladder.Render([.. packets.Select(p => p.Packet)], _services.Port)]);
    }

    /// <summary>One text command: its name, what it takes, its /help lines (null: unlisted), and what it does.</summary>
    private sealed record Command(string Name, string Arguments, string[]? Help, Func<TextSession, string, ValueTask<LineAction>> Run);

    /// <summary>
    /// <c>/listen ADDR</c>, what <c>netlab-agent listen</c> on the host sends: only from the host itself. The
    /// session ends here, and the connection waits for the next plain connection from ADDR (see <see cref="ListenBridges"/>).
    /// </summary>
    private async ValueTask<LineAction> ListenAsync(string argument)
    {
        if (!IPAddress.IsLoopback(Peer.Address))
        {
            await WriteLinesAsync("ERROR /listen is for netlab-agent listen on the lab host itself (ssh in, then: netlab-agent listen)");
            return LineAction.Continue;
        }

        if (!IPAddress.TryParse(argument, out var from))
        {
            await WriteLinesAsync("ERROR usage: /listen ADDRESS (the one address whose next connection comes to this terminal)");
            return LineAction.Continue;
        }

        var wait = new ListenWait(ListenBridges.Normal(from), Peer);
        if (_services.Listens.Wait(wait) is { } refusal)
        {
            await WriteLinesAsync(refusal);
            return LineAction.Continue;
        }

        Listening = wait;
        await WriteLinesAsync($"OK waiting for the next connection from {wait.From} on port {_services.Port}; connections from other addresses get the lab as usual");
        return LineAction.Listen;
    }

    private async ValueTask JoinAsync(string room)
    {
        if (room.Length is 0 or > 64 || room.Any(char.IsWhiteSpace))
        {
            await WriteLinesAsync("ERROR usage: /join ROOM (a name of 1-64 characters, no spaces)");
            return;
        }

        await LeaveAsync(quiet: true);
        _room = room;
        _mode = Mode.Chat;
        var count = _services.Rooms.Join(room, this);
        await WriteLinesAsync($"OK joined {room}: {count} here. Your lines go to everyone in it; /leave to stop");
        Relay($"* {Peer} joined {room}");
    }

    private async ValueTask LeaveAsync(bool quiet = false)
    {
        if (_room is null)
        {
            if (!quiet)
            {
                await WriteLinesAsync("ERROR you are not in a room (/join ROOM)");
            }

            return;
        }

        Relay($"* {Peer} left {_room}");
        _services.Rooms.Leave(_room, this);
        if (!quiet)
        {
            await WriteLinesAsync($"OK left {_room}");
        }

        _room = null;
        _mode = Mode.Chatter;
    }

    private async ValueTask ArmAsync(TransferDirection direction, string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var usage = direction == TransferDirection.Receive ? "/recv NAME [SIZE]" : "/send NAME";
        if (parts.Length == 0 || parts.Length > (direction == TransferDirection.Receive ? 2 : 1))
        {
            await WriteLinesAsync($"ERROR usage: {usage}");
            return;
        }

        var name = parts[0];
        if (!FileNames.IsValid(name))
        {
            await WriteLinesAsync($"ERROR invalid file name '{name}': use {FileNames.Rule}");
            return;
        }

        long? size = null;
        if (parts.Length == 2)
        {
            if (!ByteSize.TryParse(parts[1], out var n))
            {
                await WriteLinesAsync($"ERROR usage: {usage}; SIZE is a byte count such as 1000 or 10M");
                return;
            }

            size = n;
        }

        long length = 0;
        if (direction == TransferDirection.Send)
        {
            try
            {
                length = _services.Files.Find(Peer.Address, name).Length;
            }
            catch (StorageException e)
            {
                await WriteLinesAsync($"ERROR {e.Message}");
                return;
            }
        }
        else if (size > _services.Limits.MaxFileBytes)
        {
            await WriteLinesAsync($"ERROR {StorageException.TooLarge(size.Value, _services.Limits).Message}");
            return;
        }

        var timeout = _services.Limits.ArmTimeout;
        var armed = direction == TransferDirection.Receive
            ? $"OK armed: the next connection from {Peer.Address} within {timeout.TotalSeconds:0} s that sends at once is stored raw into {name}{(size is null ? "" : $" (exactly {size} bytes)")}. Try: ncat --send-only HOST {_services.Port} < FILE"
            : $"OK armed: the next connection from {Peer.Address} within {timeout.TotalSeconds:0} s that closes its sending side at once receives {name} ({length} bytes). Try: ncat HOST {_services.Port} < /dev/null > FILE";
        await WriteLinesAsync(_services.Arming.Arm(Peer.Address, new ArmedTransfer(direction, name, size, this, Post, armed)));
    }

    private async ValueTask ListFilesAsync()
    {
        var files = _services.Files.List(Peer.Address);
        if (files.Count == 0)
        {
            await WriteLinesAsync($"(no files from {Peer.Address}; store one with /recv NAME or curl -T FILE http://HOST:{_services.Port}/files/)");
            return;
        }

        await WriteLinesAsync([.. files.Select(f => $"{f.Name}\t{f.Length}\t{f.Modified:yyyy-MM-dd HH:mm:ss}Z")]);
    }

    private async ValueTask WithFileAsync(string command, string name, Func<string, ValueTask> run)
    {
        if (name.Length == 0)
        {
            await WriteLinesAsync($"ERROR usage: {command} NAME (see /files)");
            return;
        }

        try
        {
            await run(name);
        }
        catch (StorageException e)
        {
            await WriteLinesAsync($"ERROR {e.Message}");
        }
    }

    private async ValueTask Sha256Async(string name)
    {
        await using var file = _services.Files.OpenRead(Peer.Address, name);
        var hash = await SHA256.HashDataAsync(file);
        await WriteLinesAsync($"{Convert.ToHexStringLower(hash)}  {name}");
    }

    private async ValueTask CatAsync(string name)
    {
        await using var file = _services.Files.OpenRead(Peer.Address, name);
        if (!await ReserveAsync(file.Length))
        {
            return;
        }

        try
        {
            var turn = await WriterAsync();
            await BytePattern.CopyAsync(file, turn.Writer, _services.Limits.StallTimeout, _services.Time, _services.Stopping);
        }
        finally
        {
            _connection?.Egress?.ReleaseReservation();
        }
    }

    private async ValueTask RemoveAsync(string name)
    {
        _services.Files.Delete(Peer.Address, name);
        await WriteLinesAsync($"OK deleted {name}");
    }

    /// <summary>Reserves a large send's bytes in the egress budget; says so and returns false when they are not there.</summary>
    private async ValueTask<bool> ReserveAsync(long bytes)
    {
        if (_connection?.Egress is not { } egress || egress.TryReserve(bytes, out var wait))
        {
            return true;
        }

        await WriteLinesAsync($"ERROR {egress.Refusal(bytes, wait)}");
        return false;
    }

    /// <summary>RFC 863 in spirit: read and drop until EOF, then say how fast it went.</summary>
    private async Task<SessionEnd> DiscardAsync()
    {
        long total = 0;
        Stopwatch? clock = null;
        var lastUse = _services.Time.GetTimestamp();
        while (true)
        {
            ReadResult result;
            try
            {
                result = await Progress.ReadAsync(_input, _services.Limits.StallTimeout, _services.Time, _reads.Token);
            }
            catch (StalledException e)
            {
                await WriteLinesAsync($"ERROR /discard: {e.Message} (the stall timeout); closing after {total} bytes");
                return SessionEnd.ClosedOnError;
            }

            if (!result.Buffer.IsEmpty)
            {
                clock ??= Stopwatch.StartNew();
                total += result.Buffer.Length;
                if (_services.Time.GetElapsedTime(lastUse) > TimeSpan.FromSeconds(5))
                {
                    lastUse = _services.Time.GetTimestamp();
                    _services.Use.Record(Peer.Address); // a long upload is lab use all along
                }
            }

            _input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        var seconds = clock?.Elapsed.TotalSeconds ?? 0;
        var rate = seconds > 0 ? total / seconds / 1e6 : 0;
        await WriteLinesAsync(string.Create(CultureInfo.InvariantCulture,
            $"discarded {total} bytes in {seconds:F3} s: {rate:F1} MB/s (1 MB = 10^6 bytes)"));
        return SessionEnd.Closed;
    }

    private async Task<SessionEnd> SourceAsync()
    {
        try
        {
            var turn = await WriterAsync();
            await BytePattern.WriteAsync(turn.Writer, _sourceBytes, _services.Limits.StallTimeout, _services.Time, _services.Stopping);
        }
        finally
        {
            _connection?.Egress?.ReleaseReservation();
        }

        return SessionEnd.Closed;
    }
}
