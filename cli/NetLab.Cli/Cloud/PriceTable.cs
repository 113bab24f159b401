namespace NetLab.Cli.Cloud;

/// <summary>
/// On-demand Linux prices in USD per hour (us-east-1, published AWS list prices; other regions differ by a
/// few percent). Enough to show a student what a forgotten lab host costs; not a bill.
/// </summary>
internal static class PriceTable
{
    private static readonly Dictionary<string, decimal> PerHour = new(StringComparer.OrdinalIgnoreCase)
    {
        ["t2.micro"] = 0.0116m, ["t2.small"] = 0.023m,
        ["t3.nano"] = 0.0052m, ["t3.micro"] = 0.0104m, ["t3.small"] = 0.0208m, ["t3.medium"] = 0.0416m, ["t3.large"] = 0.0832m,
        ["t3a.micro"] = 0.0094m, ["t3a.small"] = 0.0188m,
        ["t4g.nano"] = 0.0042m, ["t4g.micro"] = 0.0084m, ["t4g.small"] = 0.0168m, ["t4g.medium"] = 0.0336m, ["t4g.large"] = 0.0672m,
        ["m7g.medium"] = 0.0408m, ["m7g.large"] = 0.0816m, ["c7g.medium"] = 0.0363m, ["c7g.large"] = 0.0725m,
        ["m5.large"] = 0.096m, ["c5.large"] = 0.085m,
    };

    /// <summary>The 8 GB gp3 root volume: $0.08 per GB-month, billed while the instance exists, running or stopped.</summary>
    public const decimal VolumePerHour = 8 * 0.08m / 730;

    public static decimal? HourlyPrice(string instanceType) => PerHour.TryGetValue(instanceType, out var price) ? price : null;

    /// <summary>Compute cost since the last launch, for an instance that is running now; null when the type is not in the table.</summary>
    public static decimal? CostSoFar(LabInstance instance, DateTime nowUtc)
    {
        if (HourlyPrice(instance.Type) is not { } price)
        {
            return null;
        }

        if (instance.State is not ("running" or "pending" or "stopping") || instance.LaunchTime is not { } launched)
        {
            return 0m;
        }

        var hours = (decimal)Math.Max(0, (nowUtc - launched).TotalHours);
        return Math.Round(hours * price, 4);
    }
}
