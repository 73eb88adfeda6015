package localpubsub

import (
	"context"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// NewClient is a Pub/Sub client for the emulator whose streaming pulls stay open.
//
// The client pings each streaming pull every 30 s and, when the server sends nothing back
// within 15 s, cancels the stream and opens another; Pub/Sub answers those pings, the
// emulator does not, so every quiet subscription's stream was cancelled twice a minute. The
// emulator fails on each cancelled stream (a NoSuchMethodError in its gRPC server, logged
// "Exception in onRstStreamRead") without releasing it, and after some hundreds it stopped
// delivering anything and answered every pull UNKNOWN. Answering the pings here, as the
// service does, keeps one stream per subscription for the run.
func NewClient(ctx context.Context, project string, opts ...option.ClientOption) (*pubsub.Client, error) {
	opts = append([]option.ClientOption{option.WithGRPCDialOption(grpc.WithChainStreamInterceptor(answerPings))}, opts...)
	return pubsub.NewClient(ctx, project, opts...)
}

const streamingPull = "/google.pubsub.v1.Subscriber/StreamingPull"

// pingAnswerDelay lets the client note its ping's time before the answer arrives, since
// only an answer later than the ping counts.
const pingAnswerDelay = time.Second

func answerPings(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil || method != streamingPull {
		return s, err
	}
	return &pingAnswering{ClientStream: s, answers: make(chan struct{}, 4), recv: make(chan received, 1)}, nil
}

// pingAnswering is a streaming pull whose client pings (every request after the first,
// which names the subscription) are each answered with an empty response, as the
// service's own keepalive responses are.
type pingAnswering struct {
	grpc.ClientStream
	mu      sync.Mutex
	sent    int
	answers chan struct{}
	start   sync.Once
	recv    chan received
	ended   error // the server's last word, returned to every later read
}

type received struct {
	msg *pubsubpb.StreamingPullResponse
	err error
}

func (s *pingAnswering) SendMsg(m any) error {
	if err := s.ClientStream.SendMsg(m); err != nil {
		return err
	}
	s.mu.Lock()
	s.sent++
	ping := s.sent > 1
	s.mu.Unlock()
	if ping {
		time.AfterFunc(pingAnswerDelay, func() {
			select {
			case s.answers <- struct{}{}:
			default: // answers are already waiting to be read
			}
		})
	}
	return nil
}

// RecvMsg returns the server's next response or, when a ping's answer is due first, an
// empty one. The server's responses are read ahead by one, in order.
func (s *pingAnswering) RecvMsg(m any) error {
	s.start.Do(func() { go s.readServer() })
	if s.ended != nil {
		return s.ended
	}
	select {
	case r := <-s.recv:
		if r.err != nil {
			s.ended = r.err
			return r.err
		}
		proto.Reset(m.(proto.Message))
		proto.Merge(m.(proto.Message), r.msg)
		return nil
	case <-s.answers:
		proto.Reset(m.(proto.Message))
		return nil
	case <-s.Context().Done():
		// readServer may have stopped without handing over the stream's end.
		s.ended = status.FromContextError(s.Context().Err()).Err()
		return s.ended
	}
}

func (s *pingAnswering) readServer() {
	for {
		r := received{msg: &pubsubpb.StreamingPullResponse{}}
		r.err = s.ClientStream.RecvMsg(r.msg)
		select {
		case s.recv <- r:
		case <-s.Context().Done():
			return
		}
		if r.err != nil {
			return
		}
	}
}
