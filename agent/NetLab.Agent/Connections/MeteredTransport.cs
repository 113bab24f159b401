using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Connections;

/// <summary>
/// A connection from another machine as the layers above see it: every byte written is charged to its egress
/// account, and every byte moved either way is progress (the connection table sheds the least recently active
/// first). Put under TLS, so what TLS adds is charged too. If the address owes more than the budget allows,
/// the connection is closed at its next flush, whatever layer forgot to ask first.
/// </summary>
internal sealed class MeteredTransport(IDuplexPipe inner, LabConnection lab, ConnectionContext connection) : IDuplexPipe
{
    public PipeReader Input { get; } = new MeteredInput(inner.Input, lab);

    public PipeWriter Output { get; } = new MeteredOutput(inner.Output, lab, connection);

    private sealed class MeteredInput(PipeReader inner, LabConnection lab) : PipeReader
    {
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var read = inner.ReadAsync(cancellationToken);
            if (!read.IsCompletedSuccessfully)
            {
                return Later(read);
            }

            lab.Touch();
            return read;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            lab.Touch();
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        private async ValueTask<ReadResult> Later(ValueTask<ReadResult> read)
        {
            var result = await read;
            lab.Touch();
            return result;
        }
    }

    private sealed class MeteredOutput(PipeWriter inner, LabConnection lab, ConnectionContext connection) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            lab.Egress?.Charge(bytes);
            lab.Touch();
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (lab.Egress is { Overdrawn: true } && !lab.Refusing)
            {
                connection.Abort(new ConnectionAbortedException(EgressAccount.Spent));
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            return inner.FlushAsync(cancellationToken);
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            lab.Egress?.Charge(source.Length);
            lab.Touch();
            if (lab.Egress is { Overdrawn: true } && !lab.Refusing)
            {
                connection.Abort(new ConnectionAbortedException(EgressAccount.Spent));
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            return inner.WriteAsync(source, cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
