/* PLACEHOLDER so main links while the scorers branch (extract.c, metric.c) is in progress.
 * Delete this file when merging the real extractors and metrics. */
#include "harness/common.h"
#include "scorers/extract.h"
#include "scorers/metric.h"
#include "harness/xalloc.h"
static const struct extractor X[] = { {"vsi-first-token","","",1,NULL},{"sti-cascade","","",1,NULL},{"r4d-letter","","",1,NULL},{"mllm4d-option-key","","",1,NULL},{"vlm4d-final-answer","","",1,NULL},{"robust-letter","","",0,NULL},{"robust-number","","",0,NULL},{"mmmu-parse-choice","","",1,NULL},{"raw","","",1,NULL} };
static const struct metric M[] = { {"exact-ci","",0,NULL},{"last-char","",0,NULL},{"letter","",0,NULL},{"mra","",1,NULL},{"abs-tol","",1,NULL},{"rel-tol","",1,NULL} };
const struct extractor *extract_find(const char *n){for(size_t i=0;i<ARRAY_SIZE(X);i++)if(!strcmp(X[i].name,n))return &X[i];return NULL;}
const struct extractor *extract_list(size_t *n){*n=ARRAY_SIZE(X);return X;}
int extract_run(const struct extractor *x,const char *t,size_t len,const struct item *it,struct extraction *o){(void)x;(void)it;o->value=xstrndup(t,len);o->found=len>0;o->rule=0;return 0;}
void extraction_release(struct extraction *e){free(e->value);e->value=NULL;}
const struct metric *metric_find(const char *n){for(size_t i=0;i<ARRAY_SIZE(M);i++)if(!strcmp(M[i].name,n))return &M[i];return NULL;}
const struct metric *metric_list(size_t *n){*n=ARRAY_SIZE(M);return M;}
double metric_score(const struct metric *m,const struct item *it,const struct extraction *x,double tol){(void)m;(void)it;(void)x;(void)tol;return 0;}
#include "harness/buf.h"
void extract_strip_think(const char *t, size_t n, struct buf *o){buf_add(o,t,n);}
