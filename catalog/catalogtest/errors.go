package catalogtest

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"
)

// ErrInjected is the cause of failures injected with a non-API error (for
// example a simulated network failure), so tests can recognise them.
var ErrInjected = errors.New("catalogtest: injected failure")

// opError wraps err the way the SDK does: in a *smithy.OperationError naming
// the service and operation.
func opError(op string, err error) error {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return err
	}
	return &smithy.OperationError{ServiceID: "Glue", OperationName: op, Err: err}
}

func ctxError(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return opError(op, &smithy.CanceledError{Err: err})
	}
	return nil
}

func notFound(msg string) error {
	return &types.EntityNotFoundException{Message: aws.String(msg)}
}

func alreadyExists(msg string) error {
	return &types.AlreadyExistsException{Message: aws.String(msg)}
}

func invalidInput(msg string) error {
	return &types.InvalidInputException{Message: aws.String(msg)}
}

func concurrentModification(msg string) error {
	return &types.ConcurrentModificationException{Message: aws.String(msg)}
}

func limitExceeded(msg string) error {
	return &types.ResourceNumberLimitExceededException{Message: aws.String(msg)}
}
