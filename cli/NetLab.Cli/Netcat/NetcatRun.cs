namespace NetLab.Cli.Netcat;

/// <summary>
/// One <c>netlab nc</c> run, a netcat for machines without one: TCP (<see cref="TcpNetcat"/>, with TLS) or UDP
/// (<see cref="UdpNetcat"/>), connecting or listening. End-of-stream rules, stated once (ncat's most asked
/// question): stdin EOF half-closes the connection (TCP FIN, after a TLS close_notify with --ssl) and output keeps
/// draining until the peer closes; the peer closing ends the session even if stdin is still open. --send-only never
/// reads the network (but drains it after EOF, so the close is clean); --recv-only never reads stdin. UDP: each
/// stdin line is one datagram; after stdin EOF, replies are awaited for --wait.
/// </summary>
internal sealed record NetcatRun(NetcatOptions Options, CliIO IO, NetcatCounters Counters)
{
    /// <summary>What one read of stdin or of the network moves at most.</summary>
    public const int BufferSize = 64 * 1024;

    public Task RunAsync(CancellationToken ct) => Options.Udp ? new UdpNetcat(this).RunAsync(ct) : new TcpNetcat(this).RunAsync(ct);

    /// <summary>-v: a line on stderr, as ncat's "Ncat: ..." lines.</summary>
    public void Verbose(string message)
    {
        if (Options.Verbose)
        {
            IO.Error.WriteLine($"netlab nc: {message}");
            IO.Error.Flush();
        }
    }

    /// <summary>-i: the pause after each line sent.</summary>
    public Task PauseAsync(CancellationToken ct) => Options.Interval > TimeSpan.Zero ? Task.Delay(Options.Interval, ct) : Task.CompletedTask;
}
