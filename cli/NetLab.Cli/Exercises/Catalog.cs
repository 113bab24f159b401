namespace NetLab.Cli.Exercises;

/// <summary>The thirteen exercises, in the order the tutorial teaches them.</summary>
internal static class Catalog
{
    public static IReadOnlyList<Exercise> All { get; } =
    [
        new TcpExercise(),
        new ChatterExercise(),
        new EchoExercise(),
        new TransferExercise(),
        new NcatFileExercise(),
        new TlsExercise(),
        new HttpExercise(),
        new HttpsExercise(),
        new UdpExercise(),
        new ChatExercise(),
        new PortsExercise(),
        new IpDnsExercise(),
        new PipeVsSocketExercise(),
    ];

    public static IEnumerable<string> Ids => All.Select(e => e.Id);
}
