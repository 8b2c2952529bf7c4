/* llmr_feature_enabled() against version.h and against what the library does: a build with
 * Redis accepts a shared state URL (an unreachable one: nothing listens on port 1), a build
 * without it rejects the URL with LLMR_ERR_INVALID_ARGUMENT. So the flag cannot claim a feature
 * the library lacks, or hide one it has. Prints "N passed, N failed". */
#include <llmroute/llmroute.h>

#include <stdio.h>
#include <string.h>

static int passed;
static int failed;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (cond) {                                                          \
      ++passed;                                                          \
    } else {                                                             \
      ++failed;                                                          \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                    \
  } while (0)

static int contains(const char *text, const char *part) {
  return strstr(text, part) != NULL;
}

int main(void) {
  llmr_router_options opts;
  llmr_router *router = NULL;
  llmr_status status;
  static char huge[4096];

  /* The header's compile-time flag and the library agree. */
  CHECK(LLMR_HAVE_REDIS == 0 || LLMR_HAVE_REDIS == 1);
  CHECK(llmr_feature_enabled("redis") == LLMR_HAVE_REDIS);
  CHECK(strcmp(llmr_error_message(), "") == 0);

  /* Unknown names and NULL: 0, with a message naming the problem and the known names. */
  CHECK(llmr_feature_enabled("kafka") == 0);
  CHECK(contains(llmr_error_message(), "unknown feature 'kafka'"));
  CHECK(contains(llmr_error_message(), "known: redis"));
  CHECK(llmr_feature_enabled("Redis") == 0); /* exact, lower-case names */
  CHECK(contains(llmr_error_message(), "unknown feature 'Redis'"));
  CHECK(llmr_feature_enabled("") == 0);
  CHECK(contains(llmr_error_message(), "unknown feature ''"));
  /* An oversized name is quoted only in part. */
  memset(huge, 'x', sizeof huge - 1);
  huge[sizeof huge - 1] = '\0';
  CHECK(llmr_feature_enabled(huge) == 0);
  CHECK(contains(llmr_error_message(), "xxx...' (known: redis)"));
  CHECK(strlen(llmr_error_message()) < 400);
  CHECK(llmr_feature_enabled(NULL) == 0);
  CHECK(contains(llmr_error_message(), "name is NULL"));
  /* A known name clears the message again. */
  llmr_feature_enabled("redis");
  CHECK(strcmp(llmr_error_message(), "") == 0);

  /* The flag matches the behaviour. */
  CHECK(llmr_router_options_init(&opts, sizeof opts) == LLMR_OK);
  opts.shared_state_url = "redis://127.0.0.1:1/0";
  opts.shared_state_connect_timeout_ms = 200;
  status = llmr_router_create(&opts, &router);
  if (llmr_feature_enabled("redis")) {
    CHECK(status == LLMR_OK);
    CHECK(router != NULL);
  } else {
    CHECK(status == LLMR_ERR_INVALID_ARGUMENT);
    CHECK(contains(llmr_error_message(), "without Redis support"));
    CHECK(router == NULL);
  }
  llmr_router_destroy(router);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
