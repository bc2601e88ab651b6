// Alert rules on the app's own telemetry in Application Insights (OpenTelemetry: spans in requests and
// dependencies, metrics in customMetrics, logs in traces). The metric and span names are the contract
// in DESIGN.md. An email action group is created and attached only when an address is given; without
// one the rules still fire and show in the portal.
param applicationInsightsName string
param location string
param tags object

@description('Address the alerts are emailed to; empty for no action group.')
param alertEmail string

param actionGroupName string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'backlinks'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Each rule fires when its query returns a row in the window.
var rules = [
  {
    name: 'poison-queue-not-empty'
    displayName: 'Backlinks: a job message reached the poison queue'
    description: 'A message failed maxDequeueCount deliveries and was moved to backlink-jobs-poison; the poison function fails its job. See the job\'s lastError.'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: '''
requests
| where name == "backlinks.job.poisoned"
| summarize poisoned = count()
| where poisoned > 0
'''
  }
  {
    name: 'out-of-credits-pause'
    displayName: 'Backlinks: out of credits, the app paused its calls'
    description: 'DomDetailer answered 402: every job waits, and the balance endpoint is checked until credits are back.'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: '''
customMetrics
| where name == "backlinks.api.calls" and tostring(customDimensions["status"]) == "402"
| summarize answers = sum(valueSum)
| where answers > 0
'''
  }
  {
    name: 'api-key-rejected'
    displayName: 'Backlinks: the DomDetailer API key was rejected'
    description: 'HTTP 401/403, or the balance endpoint\'s "Account Not Found": every job waits until a working DomDetailer__ApiKey is set.'
    severity: 0
    frequency: 'PT5M'
    window: 'PT15M'
    query: '''
union
    (customMetrics
    | where name == "backlinks.api.calls" and tostring(customDimensions["status"]) in ("401", "403")
    | project timestamp),
    (traces
    | where severityLevel >= 3 and message startswith "Configuration error"
    | project timestamp)
| summarize rejected = count()
| where rejected > 0
'''
  }
  {
    name: 'jobs-failing'
    displayName: 'Backlinks: more than 10 % of jobs failed in the last hour'
    description: 'Share of jobs that ended failed among those that ended, over one hour.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    query: '''
customMetrics
| where name == "backlinks.jobs.completed"
| summarize failed = sumif(valueSum, tostring(customDimensions["status"]) == "failed"), completed = sum(valueSum)
| where completed > 0 and failed / completed > 0.1
'''
  }
  {
    name: 'daily-budget-reached'
    displayName: 'Backlinks: the daily credit budget is spent'
    description: 'Jobs wait for the next UTC day (Budget__DailyCredits).'
    severity: 3
    frequency: 'PT15M'
    window: 'PT1H'
    query: '''
requests
| where name == "backlinks.job"
    and tostring(customDimensions["backlinks.job.outcome"]) == "deferred"
    and tostring(customDimensions["backlinks.job.detail"]) == "budget"
| summarize deferred = count()
| where deferred > 0
'''
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'backlinks-${rule.name}'
    location: location
    tags: tags
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      scopes: [applicationInsights.id]
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: empty(alertEmail) ? [] : [actionGroup.id]
      }
    }
  }
]
