using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace NetLab.Agent.Closing;

/// <summary>
/// The connection's input as Kestrel's HTTP/1.1 parser reads it. Kestrel treats a read that is both
/// completed (the client's FIN) and holding the rest of a Content-Length body as "unexpected end of request
/// content" and resets the connection, so <c>printf 'PUT ...' | nc -N</c> would lose its answer. Here the
/// completion is reported only once the reader has looked at every byte: first the data, then the end.
/// </summary>
internal sealed class HalfCloseInput(PipeReader inner) : PipeReader
{
    private SequencePosition? _lastEnd;
    private bool _hidCompletion;
    private bool _examinedAll;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        // Once per HTTP request: no state machine when the data is already there, a pooled one when it is not.
        var read = inner.ReadAsync(cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<ReadResult>(Adjust(read.Result)) : AdjustLater(read);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AdjustLater(ValueTask<ReadResult> read) => Adjust(await read);

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out var raw))
        {
            result = default;
            return false;
        }

        result = Adjust(raw);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _examinedAll = _lastEnd is { } end && examined.Equals(end);
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private ReadResult Adjust(ReadResult raw)
    {
        _lastEnd = raw.Buffer.End;
        var hide = raw.IsCompleted && !raw.Buffer.IsEmpty && !(_hidCompletion && _examinedAll);
        _hidCompletion = hide;
        return hide ? new ReadResult(raw.Buffer, raw.IsCanceled, isCompleted: false) : raw;
    }
}
