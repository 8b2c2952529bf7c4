/* The harness must be able to fail: one passing and one failing check. CTest expects this
 * program to exit non-zero and to print "1 passed, 1 failed" and the failing line. */
#include <llmroute/llmroute.h>

#include "harness.h"

static void test_one_pass_one_fail(void) {
  CHECK(llmr_version() == LLMR_VERSION_NUMBER);
  CHECK_STATUS(llmr_router_create(NULL, NULL), LLMR_OK); /* deliberately wrong */
}

int main(void) {
  RUN_TEST(test_one_pass_one_fail);
  return th_finish();
}
