using NetLab.Cli.Exercises;

namespace NetLab.Cli.Tests.Exercises;

/// <summary>The transfer's rate along the way: bounded, complete, and at zero while nothing moves.</summary>
public class RateRecorderTests
{
    [Fact]
    public async Task Many_steps_make_at_most_forty_equal_intervals_that_add_up_to_every_byte()
    {
        var recorder = new RateRecorder();
        recorder.Start();
        for (var i = 0; i < 500; i++)
        {
            recorder.Add(1000 + i);
            if (i % 100 == 0)
            {
                await Task.Delay(5);
            }
        }

        recorder.End();
        var series = recorder.Series();
        Assert.Equal(RateRecorder.MaxIntervals, series.Intervals.Count);
        Assert.Equal(recorder.Bytes, series.Intervals.Sum(i => i.Bytes));
        Assert.Equal(recorder.Bytes, series.Bytes);
        Assert.All(series.Intervals, i => Assert.True(i.Bytes >= 0 && i.RateMBps >= 0));
        Assert.Equal(series.Ms / RateRecorder.MaxIntervals, series.IntervalMs, 3);
        Assert.Equal(0, series.Intervals[0].StartMs);
    }

    [Fact]
    public async Task A_wait_before_the_first_bytes_shows_as_intervals_with_nothing_moved()
    {
        var recorder = new RateRecorder();
        recorder.Start();
        await Task.Delay(200); // an upload waiting for the agent's 100 Continue
        recorder.Add(1 << 20);
        recorder.Add(1 << 20);
        recorder.End();

        var series = recorder.Series();
        Assert.Equal(2, series.Intervals.Count);
        Assert.Equal(0, series.Intervals[0].Bytes); // not spread over the wait
        Assert.Equal(2 << 20, series.Intervals[1].Bytes);
    }
}
